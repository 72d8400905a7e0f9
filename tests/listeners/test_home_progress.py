"""The Home tab's practice sections over signed HTTP: open assignments with due times in the person's own
zone, reviews waiting with Review buttons the reviews listener accepts, team counts, progress, the empty
state, Slack's limits with many open items, and a bounded number of SQL queries with a long history."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.content import ContentLibrary
from slackapp.db.models import CompetencyProgress, Reflection, Submission, TeamLink
from slackapp.domain import people
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.listeners.home import home_state
from slackapp.services import Services
from slackapp.views.home import home_view
from tests.domain.test_home_summary import assignment, count_queries, seed_history

TEAM = "T0001"
MANAGER, LEARNER, OTHER = "UMANAGER", "UNYC", "UREPORT2"
MAX_HOME_QUERIES = 10


def _home(fake: FakeSlack, user_id: str, count: int = 1) -> dict[str, Any]:
    fake.wait_for("views.publish", count=count, predicate=lambda c: c.args.get("user_id") == user_id)
    view = fake.home_view(user_id)
    assert view is not None
    return view


def _texts(view: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for block in view["blocks"]:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                found.append(element["text"])
    return found


def _line(view: dict[str, Any], needle: str) -> str:
    matches = [text for text in _texts(view) if needle in text]
    assert len(matches) == 1, (needle, _texts(view))
    return matches[0]


def _element(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    found = [element for block in view["blocks"]
             for element in [block.get("accessory"), *(block.get("elements") or [])]
             if isinstance(element, dict) and element.get("action_id") == action_id]
    assert len(found) == 1, f"{len(found)} elements with action id {action_id}"  # unique in the view
    return found[0]


def _home_click(slack: SlackSender, view: dict[str, Any], element: dict[str, Any], *, user_id: str,
                value: str) -> None:
    """A click on the Home tab, shaped like Slack's block_actions from a view (no channel, no response_url)."""
    action: dict[str, Any] = {"type": element["type"], "action_id": element["action_id"], "block_id": "b",
                              "action_ts": f"{time.time():.6f}"}
    if element["type"] == "button":
        action["value"] = value
    else:
        (option,) = [o for o in element["options"] if o["value"] == value]
        action["selected_option"] = option
    reply = slack.interactive({
        "type": "block_actions", "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": f"{time.time_ns()}.trigger",
        "is_enterprise_install": False, "container": {"type": "view", "view_id": view["id"]}, "view": view,
        "actions": [action],
    })
    assert reply.status == 200


def _opened(fake: FakeSlack, count: int) -> dict[str, Any]:
    view = fake.wait_for("views.open", count=count)[-1].args["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def _team(services: Services, fake: FakeSlack) -> None:
    """Ana works in New York (UTC−5 in November); Maria (London) manages Ana and Lee."""
    fake.add_user(LEARNER, name="ana", real_name="Ana", tz="America/New_York", email="ana@example.com")
    now = utcnow()
    with services.db.session() as session:
        for user_id in (MANAGER, LEARNER, OTHER):
            person, _ = people.get_or_create_person(session, team_id=TEAM, user_id=user_id, now=now)
            person.opt_in = "opted_in"
        for report in (LEARNER, OTHER):
            session.add(TeamLink(team_id=TEAM, manager_id=MANAGER, report_id=report, state="active",
                                 invited_by=MANAGER, created_at=now, responded_at=now, updated_at=now))


def test_home_shows_practice_reviews_team_and_progress_with_due_times_in_each_persons_zone(
    frozen_time: object, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    content_library: ContentLibrary,
) -> None:
    _team(services, fake_slack)
    sbi = content_library.assignment("give-sbi-feedback")
    agenda = content_library.assignment("report-sets-the-one-on-one-agenda")
    feedback = content_library.competency("giving-feedback").name
    one_on_ones = content_library.competency("running-one-on-ones").name
    start = datetime(2026, 10, 1, 14, 0, tzinfo=UTC)
    with services.db.session() as session:
        assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=sbi, state="offered",
                   due_at=datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
        late = assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=agenda,
                          state="accepted", due_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        submitted = assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=sbi,
                               state="submitted", due_at=datetime(2026, 11, 27, 22, 0, tzinfo=UTC),
                               review_due_at=datetime(2026, 11, 25, 17, 0, tzinfo=UTC))
        changes = assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=agenda,
                             state="changes_requested", due_at=datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
        overdue = assignment(session, team_id=TEAM, learner=OTHER, reviewer=MANAGER, template=agenda,
                             state="submitted", due_at=datetime(2026, 11, 20, 17, 0, tzinfo=UTC),
                             review_due_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        for row in (submitted, overdue):
            session.add(Submission(assignment_id=row.id, version=1, summary="I did it.", submitted_at=utcnow()))
        session.add_all([
            CompetencyProgress(team_id=TEAM, learner_id=LEARNER, competency_id="giving-feedback",
                               first_assignment_at=start, evidence_count=4,
                               competent_at=start + timedelta(days=22, hours=20), updated_at=start),
            CompetencyProgress(team_id=TEAM, learner_id=LEARNER, competency_id="running-one-on-ones",
                               first_assignment_at=start, evidence_count=1, updated_at=start),
            *[Reflection(team_id=TEAM, user_id=LEARNER, encrypted_answers="opaque", created_at=start)
              for _ in range(2)],
        ])

    slack.app_home_opened(LEARNER)
    view = _home(fake_slack, LEARNER)
    texts = "\n".join(_texts(view))
    assert "Your practice" in texts
    assert _line(view, "waiting for you to accept") == (
        f"*{sbi.title}* · {feedback}\nwaiting for you to accept · due Tue 24 Nov, 17:30\n"
        "Accept or decline on the card in your DMs.")
    assert _line(view, "in progress") == (f"*{agenda.title}* · {one_on_ones}\n"
                                          "in progress · due Mon 23 Nov, 04:00 · :warning: *late*")
    assert _line(view, "submitted — waiting for review") == (
        f"*{sbi.title}* · {feedback}\nsubmitted — waiting for review · due Fri 27 Nov, 17:00 · "
        "review promised by Wed 25 Nov, 12:00")
    assert "changes requested · due Mon 30 Nov, 12:00" in _line(view, "changes requested")
    submit = _element(view, ids.ASSIGNMENT_SUBMIT)  # two can be submitted: one menu
    assert submit["type"] == "static_select" and submit["placeholder"]["text"] == "Submit work for…"
    assert [(o["value"], o["text"]["text"]) for o in submit["options"]] == [
        (str(late.id), f"{agenda.title[:49]}… · due Mon 23 Nov" if len(agenda.title) > 50
         else f"{agenda.title} · due Mon 23 Nov"),
        (str(changes.id), f"{agenda.title[:49]}… · due Mon 30 Nov" if len(agenda.title) > 50
         else f"{agenda.title} · due Mon 30 Nov")]
    progress = _line(view, "pieces of evidence · ✔")
    assert f"• *{feedback}* — 4 pieces of evidence · ✔ confirmed in 23 days" in progress
    assert f"• *{one_on_ones}* — 1 piece of evidence · 0 of 3 at level 3+ to confirm it" in progress
    assert _line(view, "So far:") == "So far: 2 reflections (private: only you can read them)"
    assert "Waiting for your review" not in texts and "Your team" not in texts  # nothing to review, no reports
    positions = [texts.index(s) for s in ("in progress", "waiting for you to accept", "submitted —",
                                          "changes requested")]
    assert positions == sorted(positions)  # soonest due first: late, offered, submitted, changes

    slack.app_home_opened(MANAGER)
    view = _home(fake_slack, MANAGER)
    texts = "\n".join(_texts(view))
    assert "Waiting for your review" in texts
    assert _line(view, f"<@{LEARNER}>") == f"<@{LEARNER}> · *{sbi.title}* · {feedback}\nreview by Wed 25 Nov, 17:00"
    assert _line(view, f"<@{OTHER}>") == (f"<@{OTHER}> · *{agenda.title}* · {one_on_ones}\n"
                                         "review by Mon 23 Nov, 09:00 · :warning: *overdue*")
    assert texts.index(f"<@{OTHER}>") < texts.index(f"<@{LEARNER}>")  # the most urgent first
    assert _line(view, "*Your team*") == "*Your team* · 2 people\n5 open assignments · 2 waiting for review · " \
                                         ":warning: 1 overdue"
    assert "No practice yet" in texts  # Maria has no practice of her own
    assert fake_slack.validation_errors == []

    # The Review button (the most urgent submission) is one the reviews listener accepts from the Home tab.
    review = _element(view, ids.REVIEW_OPEN)
    assert review["value"] == str(overdue.id) and review["text"]["text"] == "Review"
    assert _line(view, "The others:") == "The others: use the Review button on each one's card in your DMs."
    _home_click(slack, view, review, user_id=MANAGER, value=review["value"])
    opened = _opened(fake_slack, 1)
    assert opened["callback_id"] == ids.REVIEW_MODAL and agenda.title in json.dumps(opened, ensure_ascii=False)

    # So is the learner's "Submit work for…" menu: picking an item opens the submit modal for it.
    learner_view = fake_slack.home_view(LEARNER)
    assert learner_view is not None
    _home_click(slack, learner_view, _element(learner_view, ids.ASSIGNMENT_SUBMIT), user_id=LEARNER,
                value=str(late.id))
    opened = _opened(fake_slack, 2)
    assert opened["callback_id"] == ids.SUBMIT_MODAL and agenda.title in json.dumps(opened, ensure_ascii=False)
    assert fake_slack.validation_errors == []


def test_a_single_item_to_submit_gets_its_own_button_on_the_home_tab(
    frozen_time: object, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    content_library: ContentLibrary,
) -> None:
    _team(services, fake_slack)
    sbi = content_library.assignment("give-sbi-feedback")
    with services.db.session() as session:
        changes = assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=sbi,
                             state="changes_requested", due_at=datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
        assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=sbi, state="submitted",
                   due_at=datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    slack.app_home_opened(LEARNER)
    view = _home(fake_slack, LEARNER)
    submit = _element(view, ids.ASSIGNMENT_SUBMIT)
    assert (submit["type"], submit["text"]["text"], submit["value"]) == ("button", "Submit again", str(changes.id))
    _home_click(slack, view, submit, user_id=LEARNER, value=submit["value"])
    assert _opened(fake_slack, 1)["callback_id"] == ids.SUBMIT_MODAL
    assert fake_slack.validation_errors == []


def test_home_of_someone_without_practice_shows_the_short_empty_state(
    frozen_time: object, slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    slack.app_home_opened("UREPORT1")
    view = _home(fake_slack, "UREPORT1")
    texts = "\n".join(_texts(view))
    assert _line(view, "No practice yet") == "No practice yet — `/coach practice` picks a small task for one skill."
    for absent in ("Waiting for your review", "Your team", "Progress", "So far:"):
        assert absent not in texts
    assert "Coaching is" in texts and "Europe/London" in texts  # the rest of the Home tab is still there
    assert fake_slack.validation_errors == []


def test_home_with_50_open_items_and_50_reviews_stays_valid_and_says_how_many_more(
    frozen_time: object, slack: SlackSender, fake_slack: FakeSlack, services: Services,
    content_library: ContentLibrary,
) -> None:
    _team(services, fake_slack)
    templates = content_library.assignments
    now = utcnow()
    with services.db.session() as session:
        for i in range(50):
            assignment(session, team_id=TEAM, learner=MANAGER, reviewer=LEARNER, template=templates[i % 30],
                       state=("offered", "accepted", "submitted", "changes_requested")[i % 4],
                       due_at=now + timedelta(hours=i - 10))
            assignment(session, team_id=TEAM, learner=(LEARNER, OTHER)[i % 2], reviewer=MANAGER,
                       template=templates[i % 30], state="submitted", due_at=now,
                       review_due_at=now + timedelta(hours=i - 10))
    slack.app_home_opened(MANAGER)
    view = _home(fake_slack, MANAGER)
    assert len(view["blocks"]) <= 100
    assert fake_slack.validation_errors == []
    assert _line(view, "…and 40 more —").startswith("…and 40 more — see your DMs")
    assert _line(view, "…and 40 more waiting").startswith("…and 40 more waiting — see your DMs")
    assert sum(1 for text in _texts(view) if ":warning: *overdue*" in text) == 10  # the 10 most urgent shown
    assert "*Your team* · 2 people\n50 open assignments · 50 waiting for review" in _line(view, "*Your team*")


def test_the_whole_home_build_takes_at_most_ten_queries_with_1000_rows_of_history(
    frozen_time: object, services: Services, fake_slack: FakeSlack, content_library: ContentLibrary
) -> None:
    now = utcnow()
    sbi = content_library.assignment("give-sbi-feedback")
    with services.db.session() as session:
        people.get_or_create_person(session, team_id=TEAM, user_id=MANAGER, now=now)
        seed_history(session, team_id=TEAM, user_id=MANAGER, manager_id="UBOSS", reports=(LEARNER, OTHER), now=now,
                     content=content_library)
        for i in range(15):
            assignment(session, team_id=TEAM, learner=MANAGER, reviewer="UBOSS", template=sbi, state="accepted",
                       due_at=now + timedelta(days=i))
            assignment(session, team_id=TEAM, learner=LEARNER, reviewer=MANAGER, template=sbi, state="submitted",
                       due_at=now, review_due_at=now + timedelta(hours=i))
    home_state(services, team_id=TEAM, user_id=MANAGER)  # warm: the first connection's own set-up is not counted
    with count_queries(services.db.engine) as statements:
        state = home_state(services, team_id=TEAM, user_id=MANAGER)
    assert len(statements) <= MAX_HOME_QUERIES, "\n\n".join(statements)
    summary = state.summary
    assert summary is not None
    assert (summary.completed, summary.reviews_given, summary.reflections) == (600, 1000, 1000)
    assert (summary.practice_total, summary.reviews_total) == (15, 15)
    view = home_view(state).to_dict()
    assert len(view["blocks"]) <= 100
    assert "opaque" not in json.dumps(view)  # reflections are counted, never shown
