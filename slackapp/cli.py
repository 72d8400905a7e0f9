"""The `flowcoach` command: serve, worker, cron, demo, content check, db upgrade, secret-key."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from slackapp.settings import Settings, SettingsError, settings_from_environment


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
    sub.add_parser("secret-key", help="print a new FLOWCOACH_SECRET_KEY",
                   description="Print a freshly generated Fernet key.").set_defaults(func=cmd_secret_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet = args.command in ("demo", "content", "secret-key")  # their output is the point: no log noise
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
