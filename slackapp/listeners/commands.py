"""/coach: one slash command, subcommands parsed from its text."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from slackapp import ids
from slackapp.ack_front import ACK_THEN_DISPATCH, Answer, CommandAnswers
from slackapp.clock import utcnow
from slackapp.domain import analytics
from slackapp.listeners.lazy import background
from slackapp.listeners.subcommands import SUBCOMMANDS, CommandRequest, help_entries
from slackapp.services import Services
from slackapp.views.help import help_message


def _parse(command: Mapping[str, Any]) -> tuple[str, str]:
    name, _, rest = (command.get("text") or "").strip().partition(" ")
    return name.lower(), rest.strip()


def is_subcommand(command: Mapping[str, Any]) -> bool:
    return _parse(command)[0] in SUBCOMMANDS


@functools.cache
def _help_reply() -> dict[str, Any]:
    return {**help_message(help_entries()).to_kwargs(), "response_type": "ephemeral"}


def _help_for(command: Mapping[str, Any]) -> dict[str, Any]:
    name, _ = _parse(command)
    if name in ("", "help"):
        return _help_reply()
    return {**help_message(help_entries(), unknown=name).to_kwargs(), "response_type": "ephemeral"}


def ack_help(ack: Ack, command: dict[str, Any]) -> None:
    """help, empty text or anything unknown: answered in the ack itself, with nothing to do afterwards."""
    ack(**_help_for(command))


@functools.cache
def _help_answer() -> Answer:
    return Answer.json(_help_reply())


def answer_up_front(command: Mapping[str, Any]) -> Answer:
    """The ack front's answer to ``/coach``: the same as the listeners below give, without Bolt routing first.
    A subcommand is acked empty and runs after the answer; help (or anything unknown) is the whole answer."""
    if is_subcommand(command):
        return ACK_THEN_DISPATCH
    name, _ = _parse(command)
    return _help_answer() if name in ("", "help") else Answer.json(_help_for(command))


COMMAND_ANSWERS: CommandAnswers = {ids.COMMAND: answer_up_front}


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
    app.command(ids.COMMAND, matchers=[is_subcommand])(background(run_coach, services))
    app.command(ids.COMMAND)(ack_help)
