"""The fake Slack Web API, driven over HTTP by the real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.error import URLError

import pytest
import time_machine
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from slackapp.emulator.web_api import Call, FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Prep* for your 1:1"}}


def _modal(title: str = "Reflect", **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [SECTION], **extra}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user("U1", name="ada", real_name="Ada Lovelace", tz="Europe/Paris", email="ada@example.com")
        running.add_user("UGONE", name="gone", deleted=True)
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.url, timeout=5)


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


# ---- messages ---------------------------------------------------------------------------------------


def test_auth_test_identifies_the_bot(fake: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0001", "UBOT", "BBOT")
    assert fake.calls_to("auth.test")[0].token == fake.bot_token
    assert "xoxb-test" not in repr(fake.calls)  # tokens never show in reprs or listings


def test_post_update_delete_and_history_with_metadata(fake: FakeSlack, client: WebClient) -> None:
    channel = client.conversations_open(users="U1")["channel"]["id"]
    assert channel == fake.dm_channel("U1") == "DU1"
    metadata = {"event_type": "flowcoach_delivery", "event_payload": {"delivery_key": "prep:U1:e1:0"}}
    first = client.chat_postMessage(channel=channel, text="hello", blocks=[SECTION], metadata=metadata)
    second = client.chat_postMessage(channel=channel, text="to be deleted")
    assert first["channel"] == channel and first["message"]["metadata"] == metadata
    assert float(second["ts"]) > float(first["ts"])

    updated = client.chat_update(channel=channel, ts=first["ts"], text="hello again")
    assert updated["text"] == "hello again" and updated["message"]["blocks"] == [SECTION]  # blocks kept
    assert client.chat_delete(channel=channel, ts=second["ts"])["ts"] == second["ts"]

    plain = client.conversations_history(channel=channel)["messages"]
    assert [m["ts"] for m in plain] == [first["ts"]] and "metadata" not in plain[0]
    with_metadata = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert with_metadata[0]["metadata"] == metadata
    stored = fake.messages(channel)
    assert [(m["text"], m["user"], m["thread_ts"]) for m in stored] == [("hello again", "UBOT", None)]
    assert stored[0]["edited"]["user"] == "UBOT" and stored[0]["metadata"] == metadata
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=channel, ts=second["ts"], text="gone")
    assert _error(missing) == "message_not_found"
    assert fake.validation_errors == []


def test_history_is_newest_first_with_limit_window_and_cursor(fake: FakeSlack, client: WebClient) -> None:
    ts = [client.chat_postMessage(channel="C0GENERAL", text=f"m{i}")["ts"] for i in range(5)]
    page = client.conversations_history(channel="C0GENERAL", limit=2)
    assert [m["text"] for m in page["messages"]] == ["m4", "m3"] and page["has_more"] is True
    rest = client.conversations_history(channel="C0GENERAL", limit=10, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"] and rest["has_more"] is False
    window = client.conversations_history(channel="C0GENERAL", oldest=ts[1], latest=ts[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    inclusive = client.conversations_history(channel="C0GENERAL", oldest=ts[1], latest=ts[3], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    with pytest.raises(SlackApiError) as bad:
        client.conversations_history(channel="C0GENERAL", oldest="yesterday")
    assert _error(bad) == "invalid_ts_oldest"


def test_threads_replies_and_permalinks(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0COMMUNITY", text="What helps before a tough 1:1?")
    human = fake.post_user_message("C0COMMUNITY", "U1", "Write the opening line", thread_ts=parent["ts"])
    reply = client.chat_postMessage(channel="C0COMMUNITY", text="Saved to the library", thread_ts=human)
    assert reply["message"]["thread_ts"] == parent["ts"]  # a reply's ts resolves to the thread parent

    top = client.conversations_history(channel="C0COMMUNITY")["messages"]
    assert len(top) == 1 and top[0]["reply_count"] == 2 and top[0]["reply_users"] == ["U1", "UBOT"]
    thread = client.conversations_replies(channel="C0COMMUNITY", ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == [
        "What helps before a tough 1:1?",
        "Write the opening line",
        "Saved to the library",
    ]
    link = client.chat_getPermalink(channel="C0COMMUNITY", message_ts=reply["ts"])["permalink"]
    assert link.startswith("https://acme.slack.com/archives/C0COMMUNITY/p") and f"thread_ts={parent['ts']}" in link
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="C0COMMUNITY", text="x", thread_ts="1.000001")
    assert _error(unknown) == "thread_not_found"
    with pytest.raises(SlackApiError) as not_ours:
        client.chat_update(channel="C0COMMUNITY", ts=human, text="edited by the bot")
    assert _error(not_ours) == "cant_update_message"


def test_channel_errors(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C0OLD", name="old", is_archived=True)
    fake.add_channel("C0PRIVATE", name="private", is_member=False)
    expected = {"C0OLD": "is_archived", "C0PRIVATE": "not_in_channel", "#nowhere": "channel_not_found"}
    for channel, error in expected.items():
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, text="hi")
        assert _error(refused) == error
    with pytest.raises(SlackApiError) as deactivated:
        client.chat_postMessage(channel=fake.dm_channel("UGONE"), text="hi")
    assert _error(deactivated) == "is_archived"
    assert client.chat_postMessage(channel="U1", text="by user id")["channel"] == "DU1"


def test_ephemeral_messages(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C0GENERAL", user="U1", text="only you can see this")
    assert answer["message_ts"]
    assert [m["text"] for m in fake.ephemeral_messages("U1")] == ["only you can see this"]
    assert fake.messages("C0GENERAL") == []
    with pytest.raises(SlackApiError) as nobody:
        client.chat_postEphemeral(channel="C0GENERAL", user="UNOBODY", text="hi")
    assert _error(nobody) == "user_not_in_channel"


def test_form_encoded_block_kit_arguments_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    answer = client.api_call(
        "chat.postMessage", data={"channel": "C0GENERAL", "text": "hi", "blocks": json.dumps([SECTION])}
    )
    assert answer["ok"] is True
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == [SECTION]
    with pytest.raises(SlackApiError) as garbled:
        client.api_call("chat.postMessage", data={"channel": "C0GENERAL", "blocks": "[{not json"})
    assert _error(garbled) == "invalid_blocks_format"


# ---- strict validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "detail"),
    [
        ({"type": "section", "text": {"type": "mrkdwn", "text": ""}}, "must be more than 0 characters"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}, "3000"),
        ({"type": "section", "text": "a bare string"}, "must provide an object"),
        ({**SECTION, "colour": "red"}, "invalid additional property: colour"),
        ({"type": "carousel_of_doom"}, "unknown block type"),
        ({"type": "header", "text": {"type": "mrkdwn", "text": "*H*"}}, "must be plain_text"),
    ],
)
def test_invalid_blocks_are_rejected(fake: FakeSlack, client: WebClient, block: dict[str, Any], detail: str) -> None:
    with pytest.raises(SlackApiError) as rejected:
        client.chat_postMessage(channel="C0GENERAL", text="fallback", blocks=[SECTION, block])
    assert _error(rejected) == "invalid_blocks"
    assert any(detail in e and "/blocks/1" in e for e in rejected.value.response["errors"])
    assert fake.validation_errors and detail in fake.validation_errors[0]
    assert fake.messages("C0GENERAL") == []


def test_duplicate_action_ids_are_rejected(client: WebClient) -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "Snooze"}, "action_id": "fc_snooze"}
    blocks = [{"type": "actions", "elements": [button]}, {"type": "actions", "elements": [button]}]
    with pytest.raises(SlackApiError) as rejected:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=blocks)
    assert "duplicate action_id: fc_snooze" in rejected.value.response["errors"][0]


def test_block_count_text_length_and_content_limits(fake: FakeSlack, client: WebClient) -> None:
    assert client.chat_postMessage(channel="C0GENERAL", text="fifty", blocks=[SECTION] * 50)["ok"]
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C0GENERAL", text="fifty-one", blocks=[SECTION] * 51)
    assert _error(too_many) == "invalid_blocks" and "at most 50" in too_many.value.response["errors"][0]
    with pytest.raises(SlackApiError) as too_long:
        client.chat_postMessage(channel="C0GENERAL", text="x" * 40_001)
    assert _error(too_long) == "msg_too_long"
    with pytest.raises(SlackApiError) as empty:
        client.api_call("chat.postMessage", json={"channel": "C0GENERAL"})
    assert _error(empty) == "no_text"
    with pytest.raises(SlackApiError) as no_channel:
        client.api_call("chat.postMessage", json={"text": "where?"})
    assert _error(no_channel) == "channel_not_found"
    with pytest.raises(SlackApiError) as bad_metadata:
        client.chat_postMessage(channel="C0GENERAL", text="x", metadata={"event_payload": {}})
    assert _error(bad_metadata) == "invalid_metadata_format"
    assert len(fake.messages("C0GENERAL")) == 1


# ---- users, DMs, DND --------------------------------------------------------------------------------


def test_conversations_open_errors(fake: FakeSlack, client: WebClient) -> None:
    assert client.conversations_open(users="U1", return_im=True)["channel"]["is_im"] is True
    assert client.conversations_open(users="U1")["already_open"] is True
    for user, error in {
        "UNOBODY": "user_not_found",
        "UBOT": "cannot_dm_bot",
        "UGONE": "user_disabled",
    }.items():
        with pytest.raises(SlackApiError) as refused:
            client.conversations_open(users=user)
        assert _error(refused) == error


def test_users_info_time_zone_status_and_deleted_users(fake: FakeSlack, client: WebClient) -> None:
    fake.set_status("U1", text="Out of office", emoji=":palm_tree:", expiration=1_900_000_000)
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=UTC), tick=False):
        summer = client.users_info(user="U1")["user"]
    with time_machine.travel(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), tick=False):
        winter = client.users_info(user="U1")["user"]
    assert (summer["tz"], summer["tz_label"], summer["tz_offset"]) == (
        "Europe/Paris",
        "Central European Summer Time",
        7200,
    )
    assert (winter["tz_label"], winter["tz_offset"]) == ("Central European Time", 3600)
    profile = summer["profile"]
    assert (profile["status_text"], profile["status_emoji"], profile["email"]) == (
        "Out of office",
        ":palm_tree:",
        "ada@example.com",
    )
    assert client.users_profile_get(user="U1")["profile"]["status_expiration"] == 1_900_000_000
    assert client.users_lookupByEmail(email="ADA@example.com")["user"]["id"] == "U1"
    gone = client.users_info(user="UGONE")["user"]
    assert gone["deleted"] is True and "tz" not in gone
    for call, error in [
        (lambda: client.users_info(user="UNOBODY"), "user_not_found"),
        (lambda: client.users_lookupByEmail(email="nobody@example.com"), "users_not_found"),
    ]:
        with pytest.raises(SlackApiError) as missing:
            call()
        assert _error(missing) == error


def test_dnd_info(fake: FakeSlack, client: WebClient) -> None:
    assert client.dnd_info(user="U1").data == {
        "ok": True,
        "dnd_enabled": False,
        "next_dnd_start_ts": 1,
        "next_dnd_end_ts": 1,
        "snooze_enabled": False,
    }
    end = int(time.time()) + 600
    fake.set_dnd("U1", dnd_enabled=True, snooze_enabled=True, snooze_endtime=end, next_dnd_start_ts=5)
    info = client.dnd_info(user="U1")
    assert info["snooze_enabled"] is True and info["snooze_endtime"] == end
    assert 590 <= info["snooze_remaining"] <= 600 and info["next_dnd_start_ts"] == 5


def test_team_info(client: WebClient) -> None:
    assert client.team_info()["team"]["name"] == "Acme"


# ---- views ------------------------------------------------------------------------------------------


def test_views_open_push_update_and_trigger_errors(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2.abc", view=_modal(external_id="reflect-U1"))["view"]
    assert opened["root_view_id"] == opened["id"] and fake.open_views()[opened["id"]]["type"] == "modal"
    pushed = client.views_push(trigger_id="1.3.abc", view=_modal("Step 2"))["view"]
    assert set(fake.open_views()) == {opened["id"], pushed["id"]}
    for trigger, error in {"1.2.abc": "exchanged_trigger_id", "expired-123": "expired_trigger_id"}.items():
        with pytest.raises(SlackApiError) as refused:
            client.views_open(trigger_id=trigger, view=_modal())
        assert _error(refused) == error

    updated = client.views_update(external_id="reflect-U1", view=_modal("Saved"), hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["title"]["text"] == "Saved"
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], view=_modal("Again"), hash=opened["hash"])
    assert _error(stale) == "hash_conflict"
    with pytest.raises(SlackApiError) as missing:
        client.views_update(view_id="VNOPE", view=_modal())
    assert _error(missing) == "not_found"


def test_invalid_views_answer_invalid_arguments(fake: FakeSlack, client: WebClient) -> None:
    cases = [
        _modal("A title well over twenty-four characters"),
        _modal(private_metadata="x" * 3001),
        {"type": "modal", "title": {"type": "plain_text", "text": "Ok"}, "blocks": [SECTION] * 101},
        {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Ok"},
            "blocks": [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "Your note"},
                    "element": {"type": "plain_text_input", "action_id": "note"},
                }
            ],
        },
    ]
    for index, view in enumerate(cases):
        with pytest.raises(SlackApiError) as rejected:
            client.views_open(trigger_id=f"t{index}", view=view)
        assert _error(rejected) == "invalid_arguments"
        assert rejected.value.response["response_metadata"]["messages"][0].startswith("[ERROR]")
    assert len(fake.validation_errors) >= len(cases) and fake.open_views() == {}
    assert client.views_open(trigger_id="t0", view=_modal())["ok"]  # a rejected view leaves the trigger unused


def test_views_publish_home_tab(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [SECTION]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    second = client.views_publish(user_id="U1", view=home, hash=first["hash"])["view"]
    assert second["id"] == first["id"] and fake.home_view("U1") == second
    with pytest.raises(SlackApiError) as stale:
        client.views_publish(user_id="U1", view=home, hash=first["hash"])
    assert _error(stale) == "hash_conflict"
    with pytest.raises(SlackApiError) as wrong_type:
        client.views_publish(user_id="U1", view=_modal())
    assert _error(wrong_type) == "invalid_arguments"
    assert fake.home_view("UNOBODY") is None


# ---- faults -----------------------------------------------------------------------------------------


def test_rate_limit_is_retried_by_slack_sdks_handler(fake: FakeSlack) -> None:
    fake.rate_limit("chat.postMessage", retry_after=1)
    client = WebClient(token=fake.bot_token, base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()])
    started = time.monotonic()
    assert client.chat_postMessage(channel="C0GENERAL", text="hi")["ok"] is True
    assert time.monotonic() - started >= 1.0
    first, second = fake.calls_to("chat.postMessage")
    assert (first.error, second.ok) == ("ratelimited", True)
    assert len(fake.messages("C0GENERAL")) == 1


def test_rate_limit_without_a_handler_surfaces_429(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("users.info", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as limited:
            client.users_info(user="U1")
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "7" and _error(limited) == "ratelimited"
    assert client.users_info(user="U1")["ok"]


def test_limit_per_channel(fake: FakeSlack, client: WebClient) -> None:
    fake.limit_per_channel("chat.postMessage", per_second=1.0)
    client.chat_postMessage(channel="C0ONE", text="1")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0ONE", text="2")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel="C0TWO", text="other channel")["ok"]
    paced = WebClient(token=fake.bot_token, base_url=fake.url, retry_handlers=[RateLimitErrorRetryHandler()])
    assert paced.chat_postMessage(channel="C0ONE", text="3")["ok"]
    assert [m["text"] for m in fake.messages("C0ONE")] == ["1", "3"]


def test_fail_injects_errors_by_method_and_channel(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "not_in_channel", channel="C0TWO")
    fake.fail("users.info", "fatal_error", times=2)
    assert client.chat_postMessage(channel="C0ONE", text="unaffected")["ok"]
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="C0TWO", text="x")
    assert _error(failed) == "not_in_channel"
    assert client.chat_postMessage(channel="C0TWO", text="now fine")["ok"]
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.users_info(user="U1")
    assert client.users_info(user="U1")["ok"]
    fake.fail("chat.postMessage", "is_archived", channel="U1")  # a user id names their DM
    with pytest.raises(SlackApiError) as dm_failed:
        client.chat_postMessage(channel=fake.dm_channel("U1"), text="x")
    assert _error(dm_failed) == "is_archived"


def test_delay_makes_the_client_time_out(fake: FakeSlack) -> None:
    fake.delay("auth.test", 2.0)
    impatient = WebClient(token=fake.bot_token, base_url=fake.url, timeout=1)
    with pytest.raises((TimeoutError, URLError)):
        impatient.auth_test()
    assert impatient.auth_test()["ok"]


# ---- auth, OAuth, unknown methods ------------------------------------------------------------------


def test_tokens(fake: FakeSlack) -> None:
    cases = {None: "not_authed", "xoxb-wrong": "invalid_auth", fake.bot_token: "token_revoked"}
    fake.revoke_token(fake.bot_token)
    for token, error in cases.items():
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=token, base_url=fake.url).chat_postMessage(channel="C0GENERAL", text="x")
        assert _error(refused) == error


def test_oauth_v2_access(fake: FakeSlack) -> None:
    issued = fake.set_oauth("cid", "secret", code="good-code", installer_user_id="U1")
    anonymous = WebClient(base_url=fake.url)
    answer = anonymous.oauth_v2_access(client_id="cid", client_secret="secret", code="good-code")
    assert answer["access_token"] == issued and issued.startswith("xoxb-")
    assert (answer["token_type"], answer["bot_user_id"], answer["app_id"]) == ("bot", "UBOT", "A0001")
    assert answer["team"] == {"id": "T0001", "name": "Acme"} and answer["enterprise"] is None
    assert answer["authed_user"]["id"] == "U1" and answer["is_enterprise_install"] is False
    assert "chat:write" in answer["scope"]
    assert WebClient(token=issued, base_url=fake.url).auth_test()["user_id"] == "UBOT"
    for kwargs, error in [
        ({"client_secret": "secret", "code": "good-code"}, "invalid_code"),  # codes are single use
        ({"client_secret": "secret", "code": "made-up"}, "invalid_code"),
        ({"client_secret": "wrong", "code": "good-code"}, "bad_client_secret"),
    ]:
        with pytest.raises(SlackApiError) as refused:
            anonymous.oauth_v2_access(client_id="cid", **kwargs)
        assert _error(refused) == error


def test_unknown_methods_are_recorded_and_refused(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.postMesage", json={"channel": "C0GENERAL", "text": "typo"})
    assert _error(unknown) == "unknown_method"
    assert fake.calls_to("chat.postMesage")[0].args == {"channel": "C0GENERAL", "text": "typo"}


# ---- response_url, recording, concurrency ----------------------------------------------------------


def test_response_url_posts_are_recorded_and_applied(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0GENERAL", text="Rate this tip", blocks=[SECTION])
    url = fake.response_url("r1", channel="C0GENERAL", message_ts=posted["ts"])
    answer = WebhookClient(url).send(text="Thanks!", replace_original=True)
    assert answer.status_code == 200
    call = fake.wait_for("response_url")[0]
    assert call.args["_key"] == "r1" and call.args["text"] == "Thanks!" and call.token is None
    assert [(m["text"], m["blocks"]) for m in fake.messages("C0GENERAL")] == [("Thanks!", [])]
    bad = WebhookClient(fake.response_url("r2")).send(text="x", blocks=[{"type": "nope"}])
    assert bad.status_code == 400 and "invalid_blocks" in bad.body


def test_wait_for_times_out_with_a_listing_of_calls(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="hello")
    with pytest.raises(AssertionError) as timeout:
        fake.wait_for("views.publish", timeout=0.2)
    message = str(timeout.value)
    assert "expected 1 answered call(s) to views.publish within 0.2s, saw 0" in message
    assert "1. chat.postMessage [ok]" in message and "'text': 'hello'" in message
    with pytest.raises(AssertionError, match="matching the predicate"):
        fake.wait_for("chat.postMessage", timeout=0.1, predicate=lambda c: c.args.get("text") == "bye")


def test_concurrent_calls_are_all_recorded_with_unique_ts(fake: FakeSlack, client: WebClient) -> None:
    def post(worker: int) -> None:
        for i in range(5):
            client.chat_postMessage(channel=f"C0CHAN{worker % 2}", text=f"{worker}-{i}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls: list[Call] = fake.wait_for("chat.postMessage", count=40)
    ts = [c.response["ts"] for c in calls]
    assert len(calls) == 40 and len(set(ts)) == 40
    assert len(fake.messages("C0CHAN0")) + len(fake.messages("C0CHAN1")) == 40
    assert fake.internal_errors == [] and fake.validation_errors == []


def test_reset_forgets_everything_but_keeps_serving(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="hi")
    fake.fail("auth.test", "invalid_auth")
    fake.reset()
    assert fake.calls == [] and fake.messages("C0GENERAL") == []
    assert client.auth_test()["ok"]
    with pytest.raises(SlackApiError):
        client.users_info(user="U1")  # users are gone too
