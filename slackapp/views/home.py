"""The App Home tab: greeting, coaching state, and the person's respect-my-time preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import Block, BlockElement, CheckboxesElement, MarkdownTextObject, Option, SectionBlock
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.views.blocks import (
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
    actions,
    button,
    clip,
    context,
    divider,
    header,
    section,
)

KINDS_BLOCK = "fc_prefs_kinds_block"
HOURS_BLOCK = "fc_prefs_hours_block"
CALENDAR_BLOCK = "fc_prefs_calendar_block"


@dataclass(frozen=True, slots=True)
class HomeState:
    display_name: str
    opt_in: str
    paused_until_local: datetime | None
    tz: str
    working_hours: str
    is_admin: bool
    nudge_types: tuple[tuple[str, str], ...] = ()  # (kind, label) the person can turn off
    muted_kinds: tuple[str, ...] = ()
    weekly_cap: int = 3
    sent_this_week: int | None = None  # capped nudges sent in the last 7 days
    backoff_until_local: datetime | None = None
    away_until_local: datetime | None = None  # out of office (from the calendar)
    calendar_line: str | None = None  # filled in by the calendar connection; None → no calendar line


def _with_accessory(text: str, block_id: str, accessory: BlockElement) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)), block_id=block_id,
                        accessory=accessory)


def _state_blocks(state: HomeState) -> list[Block]:
    if state.opt_in == "opted_in" and state.paused_until_local is not None:
        until = state.paused_until_local.strftime("%a %d %b %Y")
        return [section(f"*Coaching is paused* until {until}. I won't message you before then."),
                actions(button("Resume now", ids.RESUME, style="primary"))]
    if state.opt_in == "opted_in":
        lines = ["*Coaching is on.* Prep and reflection arrive around your meetings; everything else only "
                 "inside your working hours."]
        if state.backoff_until_local is not None:
            lines.append(f"My last few nudges weren't useful, so I'm sending fewer until "
                         f"{state.backoff_until_local:%a %d %b}. “Back to normal” ends that now.")
        if state.away_until_local is not None:
            lines.append(f"You're out of office until {state.away_until_local:%a %d %b, %H:%M}; I'll wait.")
        buttons = [button("Pause for a week", ids.PAUSE_WEEK), button("Stop coaching", ids.OPT_OUT)]
        if state.backoff_until_local is not None:
            buttons.insert(0, button("Back to normal", ids.RESUME, "home"))
        return [section("\n".join(lines)), actions(*buttons)]
    return [section("*Coaching is off.* Nothing is sent to you proactively until you turn it on."),
            actions(button("Turn on coaching", ids.OPT_IN, "home", style="primary"))]


def _preference_blocks(state: HomeState) -> list[Block]:
    blocks: list[Block] = [_with_accessory(
        f"*Your time*\nTime zone: {state.tz} (from your Slack profile)\nWorking hours: {state.working_hours}",
        HOURS_BLOCK, button("Edit working hours", ids.PREFS_OPEN_HOURS),
    )]
    if state.nudge_types:
        options = [Option(value=kind, label=label) for kind, label in state.nudge_types]
        enabled = [o for o in options if o.value not in state.muted_kinds]
        blocks.append(_with_accessory("*Nudge types*\nUntick what you don't want.", KINDS_BLOCK,
                                      CheckboxesElement(action_id=ids.PREFS_TOGGLE_KIND, options=options,
                                                        initial_options=enabled or None)))
    sent = "" if state.sent_this_week is None else f" ({state.sent_this_week} in the last 7 days)"
    blocks.append(context(f"Weekly limit: at most {state.weekly_cap} nudges not tied to a meeting in any 7 days"
                          f"{sent}. I also hold back during Slack do-not-disturb and when your status says "
                          "you're out of office, and send fewer if my nudges go unanswered."))
    if state.calendar_line:
        blocks.append(_with_accessory(state.calendar_line, CALENDAR_BLOCK,
                                      button("Calendar settings", ids.CALENDAR_OPEN, "home")))
    return blocks


def home_view(state: HomeState) -> View:
    name = state.display_name or "there"
    blocks: list[Block] = [header(f"Hi {name[:60]} 👋"), section(
        "Flowcoach brings leadership learning into your week: help right before the moments that matter, "
        "small practice tasks, and peers to learn with."
    ), divider()]
    blocks += _state_blocks(state)
    blocks.append(divider())
    blocks += _preference_blocks(state)
    blocks.append(divider())
    blocks.append(section("*Quick actions*\n• `/coach help` — everything you can ask\n"
                          "• `/coach pause 2026-12-01` — pause until a date\n• `/coach status` — your settings\n"
                          "• `/coach why` — what I sent or held back lately, and why"))
    if state.is_admin:
        blocks.append(context("You are a Flowcoach program admin."))
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise ValueError(f"a Home tab holds at most {MAX_VIEW_BLOCKS} blocks")
    return View(type="home", blocks=blocks)
