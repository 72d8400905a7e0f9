"""`flowcoach demo`: the real app over HTTP, the embedded queue, a Slack emulator and scripted people."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from slackapp import clock
from slackapp.app import create_app
from slackapp.bootstrap import build_services
from slackapp.content import ContentError, load_content
from slackapp.crypto import Vault
from slackapp.db import Database, make_engine, upgrade
from slackapp.demo.assignment_script import assignment_loop
from slackapp.demo.calendar_script import calendar_loop
from slackapp.demo.transcript import Transcript
from slackapp.emulator.calendar_feed import CalendarFeedServer
from slackapp.emulator.sender import SlackSender
from slackapp.emulator.web_api import FakeSlack
from slackapp.server import BackgroundServer
from slackapp.services import Services
from slackapp.settings import load_settings
from slackapp.web import create_wsgi_app

PEOPLE = {"UMARIA": ("maria", "Maria Lopez", "Europe/London"),
          "URAVI": ("ravi", "Ravi Shah", "Europe/Berlin"),
          "ULEE": ("lee", "Lee Chen", "America/New_York")}
SECRET = "demo-signing-secret"


def _default_content_dir() -> Path:
    local = Path("content")
    return local if local.is_dir() else Path(__file__).resolve().parents[2] / "content"


def _people_work_around_the_clock(services: Services) -> None:
    """The scripted people set their working hours to every day, all day, so the demo runs at any hour."""
    from slackapp.clock import utcnow
    from slackapp.domain.people import get_or_create_person, set_working_hours

    with services.db.session() as session:
        for user_id in PEOPLE:
            person, _ = get_or_create_person(session, team_id="T0001", user_id=user_id, now=utcnow())
            set_working_hours(person, days=list(range(7)), start_minute=0, end_minute=24 * 60)


def _latest_dm(fake: FakeSlack, user_id: str) -> dict[str, Any]:
    messages = fake.messages(fake.dm_channel(user_id))
    return messages[-1]


def _response(fake: FakeSlack, after: int) -> dict[str, Any]:
    calls = fake.wait_for("response_url", count=after + 1)
    return calls[-1].args


def script(fake: FakeSlack, slack: SlackSender, services: Services, out: Transcript,
           calendar: CalendarFeedServer) -> None:
    out.step("Maria (a manager) asks what Flowcoach can do: /coach help")
    reply = slack.command("help", user_id="UMARIA")
    out.message("Maria", "an ephemeral reply", reply.json())

    out.step("Ravi opens Flowcoach's Home tab for the first time")
    slack.app_home_opened("URAVI")
    fake.wait_for("views.publish", predicate=lambda c: c.args.get("user_id") == "URAVI")
    out.view("Ravi", "the Home tab", fake.home_view("URAVI") or {})
    fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == fake.dm_channel("URAVI"))
    welcome = _latest_dm(fake, "URAVI")
    out.note("the welcome went through the outbox, the dispatcher and the worker, inside Ravi's working hours")
    out.message("Ravi", "a DM from Flowcoach", welcome)

    out.step("Ravi clicks “Yes, coach me”")
    updates = len(fake.calls_to("chat.update"))
    slack.block_action("fc_opt_in", user_id="URAVI", value="welcome", message=welcome)
    fake.wait_for("chat.update", count=updates + 1)
    out.message("Ravi", "the same DM, updated in place", _latest_dm(fake, "URAVI"))
    fake.wait_for("views.publish", count=2, predicate=lambda c: c.args.get("user_id") == "URAVI")
    out.view("Ravi", "the refreshed Home tab", fake.home_view("URAVI") or {})

    out.step("Lee opens the Home tab, then says “Not now” to the welcome")
    slack.app_home_opened("ULEE")
    fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == fake.dm_channel("ULEE"))
    lee_welcome = _latest_dm(fake, "ULEE")
    out.message("Lee", "a DM from Flowcoach", lee_welcome)
    updates = len(fake.calls_to("chat.update"))
    slack.block_action("fc_opt_out", user_id="ULEE", value="welcome", message=lee_welcome)
    fake.wait_for("chat.update", count=updates + 1)
    out.message("Lee", "the same DM, updated in place", _latest_dm(fake, "ULEE"))

    out.step("Lee opens the Home tab again: no second welcome (the outbox key is unique)")
    slack.app_home_opened("ULEE")
    fake.wait_for("views.publish", count=3, predicate=lambda c: c.args.get("user_id") == "ULEE")
    time.sleep(0.3)
    dms = len(fake.messages(fake.dm_channel("ULEE")))
    out.note(f"Lee has {dms} message(s) from Flowcoach")

    calendar_loop(fake, slack, out, calendar)
    assignment_loop(fake, slack, services, out)

    out.step("Ravi pauses coaching for three days, then checks his settings")
    seen = len(fake.calls_to("response_url"))
    slack.command("pause 3 days", user_id="URAVI")
    out.message("Ravi", "an ephemeral reply", _response(fake, seen))
    slack.command("status", user_id="URAVI")
    out.message("Ravi", "an ephemeral reply", _response(fake, seen + 1))

    out.step("Maria types something Flowcoach does not know: /coach dance")
    out.message("Maria", "an ephemeral reply", slack.command("dance", user_id="UMARIA").json())


def run_demo(*, content_dir: Path | None = None, verbose: bool = False, out: TextIO = sys.stdout) -> int:
    started = time.monotonic()
    transcript = Transcript(out)
    try:
        content = load_content(content_dir or _default_content_dir())
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="flowcoach-demo-") as tmp, FakeSlack(team_id="T0001") as fake, \
            CalendarFeedServer() as calendar:
        for user_id, (name, real_name, tz) in PEOPLE.items():
            fake.add_user(user_id, name=name, real_name=real_name, tz=tz, email=f"{name}@example.com")
        settings = load_settings({
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url,
            "DATABASE_URL": f"sqlite:///{tmp}/demo.db", "FLOWCOACH_SECRET_KEY": Vault.generate_key(),
            "FLOWCOACH_DISPATCH_INTERVAL": "1", "FLOWCOACH_FEED_ALLOWED_HOSTS": "127.0.0.1",
        })
        engine = make_engine(settings.database_url)
        upgrade(engine)
        services = build_services(settings, content=content, db=Database(engine))
        from workers import runtime
        from workers.embedded import EmbeddedQueue

        runtime.install(services)
        queue = EmbeddedQueue(services.redis, dispatch_interval=1, scheduler_interval=1).start()
        server = BackgroundServer(create_wsgi_app(create_app(services), services)).start()
        try:
            _people_work_around_the_clock(services)
            slack = SlackSender(app_url=server.url, signing_secret=SECRET, response_url_base=fake.response_url(""))
            print("Flowcoach demo — the real app over HTTP, a Slack emulator, and three scripted people:\n"
                  "Maria (manager), Ravi and Lee (her reports).", file=out)
            try:
                script(fake, slack, services, transcript, calendar)
            except AssertionError as exc:  # an expected Slack call never came
                print(f"demo failed: {exc}", file=sys.stderr)
                return 1
            transcript.step("Behind the scenes")
            transcript.note(f"{len(fake.calls)} Web API calls; Block Kit validation errors: "
                            f"{len(fake.validation_errors)}")
            if verbose:
                for call in fake.calls:
                    print(f"    {call.method}", file=out)
        finally:
            server.stop()
            services.shutdown()
            queue.stop()
            runtime.install(None)
            engine.dispose()
            clock.reset()
        if fake.validation_errors:
            print("demo failed: the app sent invalid Block Kit:", *fake.validation_errors, sep="\n", file=sys.stderr)
            return 1
    print(f"\nDemo finished in {time.monotonic() - started:.1f}s.", file=out)
    return 0
