"""The `flowcoach` command: serve, worker, cron, demo, content check, db upgrade, org import, secret-key."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slackapp.settings import Settings, SettingsError, settings_from_environment

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from slackapp.db import Database


def _fail(lines: Sequence[str], code: int = 2) -> int:
    for line in lines:
        print(f"flowcoach: {line}", file=sys.stderr)
    return code


def _settings(require_slack: bool = True) -> Settings:
    return settings_from_environment(require_slack=require_slack)


def cmd_serve(args: argparse.Namespace) -> int:
    from slackapp.runner import run_serve

    return run_serve(_settings(), socket_mode=args.socket, host=args.host)


def cmd_worker(args: argparse.Namespace) -> int:
    from workers.run import run_worker

    return run_worker(_settings(require_slack=False), burst=args.burst)


def cmd_cron(args: argparse.Namespace) -> int:
    from workers.run import run_cron

    return run_cron(_settings(require_slack=False))


def cmd_demo(args: argparse.Namespace) -> int:
    from slackapp.demo.run import run_demo

    return run_demo(content_dir=args.content_dir, verbose=args.verbose)


def cmd_content_check(args: argparse.Namespace) -> int:
    from slackapp.content import run_content_check

    directory = Path(args.directory) if args.directory else _settings(require_slack=False).content_dir
    return run_content_check(directory, sys.stdout)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from slackapp.db import make_engine, upgrade

    settings = _settings(require_slack=False)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print("database is at the latest schema")
    return 0


class _SlackProblem(Exception):
    """Slack refused a call for a reason that is not about one row (token, scope, rate limit)."""


def _org_client(settings: Settings, db: Database, team: str | None) -> tuple[WebClient, str]:
    """The workspace's bot client and team id: SLACK_BOT_TOKEN, or the OAuth installation for --team."""
    from slack_sdk.errors import SlackApiError

    from slackapp.crypto import Vault
    from slackapp.oauth_store import EncryptedInstallationStore
    from slackapp.slack_client import ClientFactory, WorkspaceUnavailable, web_client

    if settings.multi_workspace:
        if not team:
            raise _SlackProblem("this is an OAuth (multi-workspace) install: pass --team T… for the workspace")
        assert settings.client_id is not None
        store = EncryptedInstallationStore(db=db, vault=Vault(settings.secret_key), client_id=settings.client_id)
        try:
            return ClientFactory(settings, store).for_team(team), team
        except WorkspaceUnavailable as exc:
            raise _SlackProblem(f"Flowcoach is not installed in workspace {team} (no bot token)") from exc
    if not settings.bot_token:
        raise _SlackProblem("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET and --team")
    client = web_client(settings, settings.bot_token)
    try:
        team_id = str(client.auth_test()["team_id"])
    except SlackApiError as exc:
        raise _SlackProblem(f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error')})") from exc
    if team and team != team_id:
        raise _SlackProblem(f"SLACK_BOT_TOKEN belongs to workspace {team_id}, not {team}")
    return client, team_id


def _org_people(client: WebClient) -> tuple[Callable[[str], str | None], Callable[[str], str | None]]:
    """(email → user id, user id → user id) over users.lookupByEmail / users.info; None when unknown."""
    from slack_sdk.errors import SlackApiError

    from slackapp.org_import import Unusable

    def usable(user: dict[str, Any], shown: str) -> str:
        if user.get("is_bot") or user.get("id") == "USLACKBOT":
            raise Unusable(f"{shown} is a bot, not a person")
        if user.get("deleted"):
            raise Unusable(f"{shown} belongs to a deactivated Slack account")
        return str(user["id"])

    def call(method: Callable[..., Any], **kwargs: str) -> dict[str, Any] | None:
        try:
            return dict(method(**kwargs)["user"])
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in ("users_not_found", "user_not_found"):
                return None
            raise _SlackProblem(f"Slack said {error} while looking people up; nothing was imported") from exc

    def lookup(email: str) -> str | None:
        user = call(client.users_lookupByEmail, email=email)
        return None if user is None else usable(user, email)

    def verify_id(user_id: str) -> str | None:
        user = call(client.users_info, user=user_id)
        return None if user is None else usable(user, user_id)

    return lookup, verify_id


def cmd_org_import(args: argparse.Namespace) -> int:
    from slack_sdk.errors import SlackApiError

    from slackapp.clock import utcnow
    from slackapp.db import Database
    from slackapp.org_import import OrgFileError, import_org, read_org_csv
    from slackapp.views.team import invite_answered

    settings = _settings(require_slack=False)
    path = Path(args.file)
    if not path.is_file():
        return _fail([f"{path}: no such file"])
    try:
        rows = read_org_csv(path)
    except OrgFileError as exc:
        print(exc)
        return 1
    db = Database.from_url(settings.database_url)
    try:
        client, team_id = _org_client(settings, db, args.team)
        lookup, verify_id = _org_people(client)
        with db.session() as session:
            report = import_org(session, rows, team_id=team_id, lookup=lookup, verify_id=verify_id, now=utcnow(),
                                dry_run=args.dry_run, notify=not args.quiet)
    except _SlackProblem as exc:
        return _fail([str(exc)], code=1)
    finally:
        db.dispose()
    for channel, ts, manager_id in report.stale_cards:  # pending invitations the import answered
        with contextlib.suppress(SlackApiError):  # an old card Slack can't update only keeps its buttons
            client.chat_update(channel=channel, ts=ts, **invite_answered("imported", manager_id).to_kwargs())
    for line in report.lines(str(args.file)):
        print(line)
    return 0 if report.ok else 1


def cmd_secret_key(args: argparse.Namespace) -> int:
    from slackapp.crypto import Vault

    print(Vault.generate_key())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowcoach", description="Leadership learning in the flow of work.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the Slack app (HTTP on $PORT, or --socket for Socket Mode)",
                           description="Run the Slack app. Without REDIS_URL the worker, RQ scheduler and "
                                       "dispatcher run as threads in this process.")
    serve.add_argument("--socket", action="store_true", help="use Socket Mode (needs SLACK_APP_TOKEN)")
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on (default 0.0.0.0)")
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run an RQ worker with the RQ scheduler (needs REDIS_URL)",
                            description="Run an RQ worker for Flowcoach's queues. Run as many as you like.")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("cron", help="run the dispatcher tick with rq cron (exactly one per deployment)",
                   description="Run RQ's cron scheduler: the outbox dispatcher every "
                               "FLOWCOACH_DISPATCH_INTERVAL seconds, plus nightly housekeeping."
                   ).set_defaults(func=cmd_cron)
    demo = sub.add_parser("demo", help="run a scripted demo against a local Slack emulator and print a transcript",
                          description="Runs the real app over HTTP with a temporary SQLite database, the "
                                      "embedded queue and a Slack emulator, and prints what each person saw.")
    demo.add_argument("--content-dir", type=Path, default=None, help="content directory (default ./content)")
    demo.add_argument("--verbose", action="store_true", help="also print every Web API call")
    demo.set_defaults(func=cmd_demo)
    content = sub.add_parser("content", help="learning content tools", description="Learning content tools.")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate a content directory (default $FLOWCOACH_CONTENT_DIR)",
                                   description="Print one `path:line: message` per problem and exit 1, "
                                               "or a summary and exit 0.")
    check.add_argument("directory", nargs="?", help="content directory")
    check.set_defaults(func=cmd_content_check)
    db = sub.add_parser("db", help="database tools", description="Database tools.")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply Alembic migrations to DATABASE_URL",
                      description="Apply all Alembic migrations to DATABASE_URL.").set_defaults(func=cmd_db_upgrade)
    org = sub.add_parser("org", help="org chart tools (who manages whom)", description="Org chart tools.")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_import = org_sub.add_parser(
        "import", help="import manager/report links from a CSV file",
        description="Import who manages whom from a CSV file with a header row naming the columns manager and "
                    "report (an email or a Slack user id each; other columns are ignored). Each good row becomes "
                    "an active link, replacing the report's previous manager; each report with a new manager is "
                    "told in a direct message. Prints one `FILE:LINE: why` line per row it could not use and "
                    "exits 1 if there was any (the good rows are still imported).")
    org_import.add_argument("file", metavar="FILE", help="the CSV file")
    org_import.add_argument("--dry-run", action="store_true", help="check the file and print what would change; "
                                                                   "write nothing, message nobody")
    org_import.add_argument("--quiet", action="store_true", help="don't tell people about their new manager")
    org_import.add_argument("--team", metavar="T…", help="the workspace (required with an OAuth install)")
    org_import.set_defaults(func=cmd_org_import)
    sub.add_parser("secret-key", help="print a new FLOWCOACH_SECRET_KEY",
                   description="Print a freshly generated Fernet key.").set_defaults(func=cmd_secret_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet = args.command in ("demo", "content", "org", "secret-key")  # their output is the point: no log noise
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # import-time noise, not news
    # These log request URLs and bodies at DEBUG: calendar addresses and tokens are secrets.
    for name in ("urllib3", "slack_sdk", "slack_bolt.oauth"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger(name).level))
    try:
        return int(args.func(args))
    except SettingsError as exc:
        return _fail(exc.problems)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
