"""The team surfaces: the invitation card (and its answered states), team updates, the /coach team list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject, PlainTextObject, SectionBlock

from slackapp import ids
from slackapp.domain.team import Entry, Overview
from slackapp.views.blocks import Message, actions, button, clip, context, header, section

if TYPE_CHECKING:
    from slackapp.views.deliveries import RenderContext, Renderer

# At most this many rows with buttons per list (a message holds 50 blocks); the rest are listed in one line.
MAX_REPORT_ROWS = 28
MAX_SENT_ROWS = 6
MAX_RECEIVED_ROWS = 2
# Buttons on the list need unique action ids in one message: the row's slot is a suffix (``fc_team_remove.3``),
# the link id is the value. Listeners register each slot's id as a plain string.
REMOVE_SLOTS = 1 + MAX_REPORT_ROWS + MAX_SENT_ROWS
ANSWER_SLOTS = MAX_RECEIVED_ROWS


def slot_action_id(action_id: str, slot: int) -> str:
    return f"{action_id}.{slot}"
PRIVACY_NOTE = "Nothing changes unless you accept. Your reflections stay private unless you choose to share one."


def invite_text(manager_id: str) -> str:
    return (f"<@{manager_id}> would like to add you as one of their reports in Flowcoach. As your manager they "
            "could assign you practice tasks, review your work and see reflections you choose to share.")


def invite_card(payload: dict[str, Any], ctx: RenderContext | None = None) -> Message:
    """The DM to the invited report (outbox kind ``team_invite``)."""
    manager, link_id = str(payload["manager_id"]), str(payload["link_id"])
    blocks: list[Block] = [section(invite_text(manager))]
    current = payload.get("current_manager_id")
    if current and current != manager:
        blocks.append(context(f"Accepting replaces <@{current}> as your manager in Flowcoach; they'll be told."))
    blocks.append(actions(button("Accept", ids.TEAM_ACCEPT, link_id, style="primary"),
                          button("Decline", ids.TEAM_DECLINE, link_id)))
    blocks.append(context(PRIVACY_NOTE))
    return Message(text=f"<@{manager}> would like to add you as one of their reports in Flowcoach", blocks=blocks)


ANSWERED = {
    "accepted": ("You accepted: <@{manager}> is now your manager in Flowcoach. They can assign you practice tasks "
                 "and review your work; your reflections stay private unless you choose to share one. "
                 "`/coach team` lets you change this."),
    "declined": "You declined <@{manager}>'s invitation. Nothing has changed, and they've been told.",
    "withdrawn": "<@{manager}> withdrew this invitation. Nothing has changed.",
    "imported": ("Your Flowcoach admin has set <@{manager}> as your manager, so there's nothing to answer here. "
                 "`/coach team` shows your team."),
    "removed": "This invitation from <@{manager}> no longer applies. `/coach team` shows your team.",
}


def invite_answered(outcome: str, manager_id: str) -> Message:
    """The invitation card once it has been answered (no buttons left)."""
    text = ANSWERED.get(outcome, ANSWERED["removed"]).format(manager=manager_id)
    return Message(text=text, blocks=[section(text)])


def _update_text(payload: dict[str, Any]) -> str:
    if payload.get("text"):
        return str(payload["text"])
    event, manager, report = payload.get("event"), payload.get("manager_id"), payload.get("report_id")
    by_admin = payload.get("by") in ("admin", "import")
    if event == "accepted":
        return (f"<@{report}> accepted — they're now one of your reports in Flowcoach. You can offer them a "
                "practice task with `/coach assign`.")
    if event == "declined":
        return f"<@{report}> declined your invitation to join your team in Flowcoach. Nothing has changed."
    if event == "left":
        who = "Your Flowcoach admin ended the link" if by_admin else f"<@{report}> removed you as their manager"
        return (f"{who} in Flowcoach: <@{report}> is no longer listed as your report, so you can't assign them "
                "practice tasks or see what they share any more.")
    if event == "removed":
        who = f"Your Flowcoach admin removed you from <@{manager}>'s team" if by_admin \
            else f"<@{manager}> removed you from their team"
        return (f"{who} in Flowcoach. They can no longer assign you practice tasks or see reflections you "
                "shared.")
    if event == "replaced":
        new = payload.get("new_manager_id")
        how = f"Your Flowcoach admin has set <@{new}> as <@{report}>'s manager" if by_admin \
            else f"<@{report}> accepted <@{new}> as their new manager"
        return f"{how} in Flowcoach, so <@{report}> is no longer listed as your report."
    if event == "imported":
        return (f"Your Flowcoach admin has set <@{manager}> as your manager in Flowcoach (from your organisation's "
                "org chart). They can assign you practice tasks and review your work; your reflections stay "
                "private unless you choose to share one. If this isn't right, `/coach team` lets you remove it.")
    return "Your team in Flowcoach has changed. `/coach team` shows who is on it."


def team_update(payload: dict[str, Any], ctx: RenderContext | None = None) -> Message:
    """A short note about a change to someone's team (outbox kind ``team_update``)."""
    text = _update_text(payload)
    return Message(text=clip(text, 3000), blocks=[section(text)])


def _remove_button(entry: Entry, slot: int, *, label: str, question: str, consequence: str) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=label), action_id=slot_action_id(ids.TEAM_REMOVE, slot), value=str(entry.link_id),
        confirm=ConfirmObject(title=question, text=consequence, confirm=label, deny="Cancel"),
    )


def _row(text: str, accessory: ButtonElement) -> SectionBlock:
    return SectionBlock(text={"type": "mrkdwn", "text": clip(text, 3000)}, accessory=accessory)


def _overflow(entries: list[Entry], how: str) -> list[Block]:
    if not entries:
        return []
    people = ", ".join(f"<@{e.user_id}>" for e in entries)
    return [section(f"…and {len(entries)} more: {people}. {how}")]


def team_overview(view: Overview) -> Message:
    """The ephemeral answer to ``/coach team``."""
    blocks: list[Block] = [header("Your team in Flowcoach")]
    slots = iter(range(REMOVE_SLOTS))
    if view.empty:
        text = ("You have no manager or reports in Flowcoach yet. Invite someone who reports to you with "
                "`/coach team add @person` — they'll be asked to accept.")
        blocks += [section(text), context("Only a person's manager can assign them practice tasks or see "
                                           "reflections they choose to share.")]
        return Message(text=text, blocks=blocks)
    if view.manager is not None:
        blocks.append(_row(f"*Your manager:* <@{view.manager.user_id}>", _remove_button(
            view.manager, next(slots), label="Remove", question="Remove your manager?",
            consequence="They'll be told, and they won't be able to assign you tasks or see what you share.")))
    if view.reports:
        blocks.append(section(f"*Your reports ({len(view.reports)}):*"))
        for entry in view.reports[:MAX_REPORT_ROWS]:
            blocks.append(_row(f"<@{entry.user_id}>", _remove_button(
                entry, next(slots), label="Remove", question="Remove this report?",
                consequence="They'll be told. You won't be able to assign them tasks or see what they share.")))
        blocks += _overflow(view.reports[MAX_REPORT_ROWS:], "Remove one with `/coach team remove @person`.")
    if view.sent:
        blocks.append(section("*Invitations you sent (waiting for an answer):*"))
        for entry in view.sent[:MAX_SENT_ROWS]:
            blocks.append(_row(f"<@{entry.user_id}>", _remove_button(
                entry, next(slots), label="Withdraw", question="Withdraw this invitation?",
                consequence="Their invitation will show it was withdrawn; nothing else changes.")))
        blocks += _overflow(view.sent[MAX_SENT_ROWS:], "Withdraw one with `/coach team remove @person`.")
    if view.received:
        blocks.append(section("*Invitations to you:*"))
        for slot, entry in enumerate(view.received[:MAX_RECEIVED_ROWS]):
            blocks.append(section(f"<@{entry.user_id}> would like to add you as one of their reports."))
            blocks.append(actions(
                button("Accept", slot_action_id(ids.TEAM_ACCEPT, slot), str(entry.link_id), style="primary"),
                button("Decline", slot_action_id(ids.TEAM_DECLINE, slot), str(entry.link_id))))
        blocks += _overflow(view.received[MAX_RECEIVED_ROWS:], "Answer them from their direct messages.")
    blocks.append(context("`/coach team add @person` invites a report · `/coach team remove @person` ends a link. "
                          "Only your manager can assign you practice tasks or see reflections you choose to share."))
    summary = [f"manager: <@{view.manager.user_id}>"] if view.manager else []
    summary += [f"{len(view.reports)} report(s)"] if view.reports else []
    summary += [f"{len(view.sent) + len(view.received)} pending invitation(s)"] if view.sent or view.received else []
    return Message(text="Your team in Flowcoach — " + ", ".join(summary), blocks=blocks)


RENDERERS: dict[str, Renderer] = {"team_invite": invite_card, "team_update": team_update}
