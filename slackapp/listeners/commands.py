"""/coach: one slash command, subcommands parsed from its text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.domain import analytics
from slackapp.listeners.lazy import after_ack
from slackapp.listeners.subcommands import SUBCOMMANDS, CommandRequest, help_entries
from slackapp.services import Services
from slackapp.views.help import help_message


def _parse(command: dict[str, Any]) -> tuple[str, str]:
    name, _, rest = (command.get("text") or "").strip().partition(" ")
    return name.lower(), rest.strip()


def ack_coach(ack: Ack, command: dict[str, Any]) -> None:
    name, _ = _parse(command)
    if name in SUBCOMMANDS:
        ack()
    else:  # help, empty text or unknown: answered in the ack itself
        unknown = name if name and name != "help" else None
        ack(**help_message(help_entries(), unknown=unknown).to_kwargs(), response_type="ephemeral")


def run_coach(command: dict[str, Any], respond: Respond, context: Any, client: WebClient, services: Services) -> None:
    name, rest = _parse(command)
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        return
    now = utcnow()
    message = handler(CommandRequest(services=services, team_id=context.team_id, user_id=context.user_id, args=rest,
                                     now=now, trigger_id=str(command.get("trigger_id", "")), client=client))
    with services.db.session() as session:  # engagement metric; the arguments are never stored
        analytics.record(session, now=now, team_id=context.team_id, user_id=context.user_id, name="command.used",
                         object_type="command", object_id=name)
    if message is not None:
        respond(**message.to_kwargs(), response_type="ephemeral")


def register(app: App, services: Services) -> None:
    app.command(ids.COMMAND)(ack=ack_coach, lazy=[after_ack(run_coach, services)])
