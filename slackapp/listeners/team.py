"""/coach team (list, add, remove), the invitation card's Accept/Decline, and the list's buttons.

Buttons on the DM card use the plain ids (``TEAM_ACCEPT``, ``TEAM_DECLINE``); buttons on the
ephemeral ``/coach team`` list carry their row's slot as a suffix (``TEAM_REMOVE.<slot>``) so action
ids stay unique in one message; every button's value is the link id. Every change updates the
invitation card in place (its channel/ts is kept on the link once the outbox sent it) and a second
click answers "That's already done."
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackapp import ids
from slackapp.clock import utcnow
from slackapp.db.models import TeamLink
from slackapp.domain import team
from slackapp.domain.errors import AlreadyDone, InvalidInput, NotFound
from slackapp.listeners.lazy import background
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views.blocks import Message
from slackapp.views.help import notice
from slackapp.views.team import invite_answered, team_overview

logger = logging.getLogger(__name__)
MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>|^([UW][A-Z0-9]{2,})$")
NOT_FOUND_ERRORS = ("user_not_found", "users_not_found", "user_not_visible")
USAGE = ("I know `/coach team` (who's on your team), `/coach team add @person` (invite a report) and "
         "`/coach team remove @person` (end a link).")
REMOVED = {
    "removed": "Done — <@{other}> is no longer your report in Flowcoach. They've been told.",
    "left": "Done — <@{other}> is no longer your manager in Flowcoach. They've been told.",
    "withdrawn": "Your invitation to <@{other}> is withdrawn. Nothing else changed.",
    "declined": "You declined <@{other}>'s invitation. They've been told.",
}


def mentioned_user(args: str, example: str) -> str:
    match = MENTION.search(args.strip())
    if match is None:
        raise InvalidInput(f"Mention the person so Slack turns their name into a link, like `{example}`.")
    return match.group(1) or match.group(2)


def check_invitable(client: WebClient, user_id: str) -> None:
    """Only a real, active member can be invited (users.info: unknown, bot, deactivated)."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in NOT_FOUND_ERRORS:
            raise InvalidInput("I couldn't find that person in this workspace.") from exc
        raise
    if user.get("is_bot") or user_id == "USLACKBOT":
        raise InvalidInput(f"<@{user_id}> is a bot, so they can't be on a team.")
    if user.get("deleted"):
        raise InvalidInput(f"<@{user_id}>'s Slack account is deactivated, so they can't be invited.")


def _overview(services: Services, team_id: str, user_id: str) -> Message:
    with services.db.session() as session:
        return team_overview(team.overview(session, team_id=team_id, user_id=user_id))


def _add(req: CommandRequest, rest: str) -> Message:
    report = mentioned_user(rest, "/coach team add @ravi")
    if report == req.user_id:
        raise InvalidInput("You can't add yourself as your own report.")
    check_invitable(req.client, report)
    with req.services.db.session() as session:
        team.invite(session, team_id=req.team_id, manager_id=req.user_id, report_id=report, now=req.now)
    req.services.kick_dispatcher()
    return notice(f"Invitation sent to <@{report}>. They'll get a direct message (inside their working hours) "
                  "asking them to accept; I'll tell you when they answer. Nothing changes until they do.")


def _remove(req: CommandRequest, rest: str) -> Message:
    other = mentioned_user(rest, "/coach team remove @ravi")
    with req.services.db.session() as session:
        change = team.remove_person(session, team_id=req.team_id, actor_id=req.user_id, other_id=other, now=req.now)
    update_card(req.client, change.card_channel, change.card_ts, change.outcome, change.manager_id)
    req.services.kick_dispatcher()
    return notice(REMOVED[change.outcome].format(other=other))


@subcommand("team", "team remove @person", "end a link with your manager or one of your reports (they're told)")
@subcommand("team", "team add @person", "invite someone as your report; they accept or decline in a DM")
@subcommand("team", "team", "who your manager and reports are in Flowcoach, and pending invitations")
def team_command(req: CommandRequest) -> Message:
    verb, _, rest = req.args.partition(" ")
    verb = verb.lower()
    if verb in ("", "list", "show"):
        return _overview(req.services, req.team_id, req.user_id)
    if verb in ("add", "invite"):
        return _add(req, rest)
    if verb in ("remove", "leave"):
        return _remove(req, rest)
    raise InvalidInput(USAGE)


# ---- buttons -------------------------------------------------------------------------------------------


def update_card(client: WebClient, channel: str | None, ts: str | None, outcome: str, manager_id: str) -> None:
    """Replace the invitation card's buttons with its answer. The change is already saved: a card
    Slack can no longer find is logged, not shown to the person as an error."""
    if not channel or not ts or outcome in ("removed", "left"):
        return
    try:
        client.chat_update(channel=channel, ts=ts, **invite_answered(outcome, manager_id).to_kwargs())
    except SlackApiError as exc:
        logger.warning("could not update a team invitation card: %s", exc.response.get("error"))


def _card_outcome(link: TeamLink) -> str:
    if link.state == "active":
        return "imported" if link.source == "import" else "accepted"
    if link.state == "removed":
        return "withdrawn" if link.responded_at is None else "removed"
    return link.state


def _link_id(action: dict[str, Any]) -> int:
    try:
        return int(action.get("value") or "")
    except ValueError as exc:
        raise NotFound("I couldn't find that invitation any more.") from exc


def _card(body: dict[str, Any], action: dict[str, Any], link: TeamLink) -> tuple[str | None, str | None]:
    """The invitation card to update: the one the outbox posted, or the message this button sits on."""
    if link.card_channel and link.card_ts:
        return link.card_channel, link.card_ts
    container = body.get("container") or {}
    on_card = action.get("action_id") in (ids.TEAM_ACCEPT, ids.TEAM_DECLINE)
    if on_card and container.get("type") == "message" and not container.get("is_ephemeral"):
        return container.get("channel_id"), container.get("message_ts")
    return None, None


def _refresh_list(action: dict[str, Any], respond: Any, services: Services, context: Any) -> None:
    """A button on the ephemeral /coach team list: show the list as it is now."""
    if "." in str(action.get("action_id")):
        respond(replace_original=True, response_type="ephemeral",
                **_overview(services, context.team_id, context.user_id).to_kwargs())


ChangeFn = Callable[..., team.Change]


def _button(change: ChangeFn, *, with_admins: bool = False) -> Callable[..., None]:
    def handle(body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient, respond: Any,
               services: Services) -> None:
        link_id = _link_id(action)
        extra = {"admins": services.settings.admins} if with_admins else {}
        with services.db.session() as session:
            link = team.find_link(session, team_id=context.team_id, link_id=link_id)
            try:
                result = change(session, team_id=context.team_id, link_id=link_id, actor_id=context.user_id,
                                now=utcnow(), **extra)
                done = None
            except AlreadyDone as error:
                done = error
            card = _card(body, action, link) if link is not None else (None, None)
            outcome = _card_outcome(link) if done is not None and link is not None else ""
        if done is not None:  # a second click: show the card as it is now, then say so
            if link is not None and context.user_id == link.report_id:
                update_card(client, *card, outcome, link.manager_id)
            raise done
        update_card(client, *card, result.outcome, result.manager_id)
        _refresh_list(action, respond, services, context)
        services.kick_dispatcher()

    handle.__name__ = f"team_{getattr(change, '__name__', 'change')}"
    return handle


def register(app: App, services: Services) -> None:
    handlers = ((ids.TEAM_ACCEPT, team.accept), (ids.TEAM_DECLINE, team.decline), (ids.TEAM_REMOVE, team.remove))
    for action_id, change in handlers:
        # one listener per action: the list's rows use "<action id>.<row>" (Slack wants unique action ids)
        app.action(re.compile(rf"^{re.escape(action_id)}(\.\d+)?$"))(
            background(_button(change, with_admins=change is team.remove), services))
