"""The App Home tab: greeting, coaching state, the person's practice (open micro-assignments, reviews
waiting for them, their team, competency progress) and their respect-my-time preferences.

Lists are bounded by the summary (``home_summary.LIST_LIMIT`` each) and end with "and N more" rather
than being cut silently; the whole view stays far below Slack's 100 blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    BlockElement,
    CheckboxesElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.home_summary import CompetencyLine, HomeSummary, PracticeItem, ReviewItem, TeamCounts
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
PRACTICE_BLOCK = "fc_home_practice_block"
REVIEW_BLOCK = "fc_home_review_block"
MAX_PROGRESS_LINES = 15
SUBMITTABLE = ("accepted", "changes_requested")

STATE_WORDING = {
    "offered": "waiting for you to accept",
    "accepted": "in progress",
    "submitted": "submitted — waiting for review",
    "changes_requested": "changes requested",
}
EMPTY_PRACTICE = "No practice yet — `/coach practice` picks a small task for one skill."
NOTHING_OPEN = "Nothing open right now — `/coach practice` picks your next small task for one skill."


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
    summary: HomeSummary | None = None  # the person's practice; None → no practice sections


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(moment: datetime, zone: ZoneInfo) -> str:
    """"Tue 24 Nov, 17:30" in the person's own time zone."""
    return f"{moment.astimezone(zone):%a %d %b, %H:%M}"


def _escape(text: str) -> str:
    """Content text in mrkdwn: no mentions, links or stray bold."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", "")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


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


def _practice_text(item: PracticeItem, zone: ZoneInfo) -> str:
    status = [STATE_WORDING.get(item.state, item.state.replace("_", " ")), f"due {_when(item.due_at, zone)}"]
    if item.state == "submitted" and item.review_due_at is not None:
        status.append(f"review promised by {_when(item.review_due_at, zone)}")
    if item.late:
        status.append(":warning: *late*")
    text = f"*{_escape(item.title)}* · {_escape(item.competency)}\n{' · '.join(status)}"
    return f"{text}\nAccept or decline on the card in your DMs." if item.state == "offered" else text


def _practice_blocks(summary: HomeSummary, zone: ZoneInfo) -> list[Block]:
    """One section per open item. Submitting: a button on the item when only one can be submitted, else
    one "Submit work for…" menu under the list (action ids stay unique in the view; the assignments
    listener reads the assignment id from a button's value or a menu's selected option alike)."""
    blocks: list[Block] = [header("Your practice")]
    if not summary.practice:
        blocks.append(section(NOTHING_OPEN if summary.has_history else EMPTY_PRACTICE))
        return blocks
    submittable = [item for item in summary.practice if item.state in SUBMITTABLE]
    for item in summary.practice:
        text = _practice_text(item, zone)
        if len(submittable) == 1 and item is submittable[0]:
            label = "Submit again" if item.state == "changes_requested" else "Submit"
            blocks.append(_with_accessory(text, PRACTICE_BLOCK,
                                          button(label, ids.ASSIGNMENT_SUBMIT, str(item.assignment_id))))
        else:
            blocks.append(section(text))
    if len(submittable) > 1:
        options = [Option(value=str(item.assignment_id),
                          label=f"{clip(item.title, 50)} · due {item.due_at.astimezone(zone):%a %d %b}")
                   for item in submittable]
        blocks.append(ActionsBlock(block_id=PRACTICE_BLOCK, elements=[StaticSelectElement(
            action_id=ids.ASSIGNMENT_SUBMIT, placeholder=PlainTextObject(text="Submit work for…"),
            options=options)]))
    if summary.more_practice:
        blocks.append(context(f"…and {summary.more_practice} more — see your DMs (each has its card there), or "
                              "`/coach assignments` for the whole list."))
    return blocks


def _review_text(item: ReviewItem, zone: ZoneInfo) -> str:
    status = [f"review by {_when(item.review_due_at, zone)}" if item.review_due_at else "submitted for your review"]
    if item.overdue:
        status.append(":warning: *overdue*")
    return f"<@{item.learner_id}> · *{_escape(item.title)}* · {_escape(item.competency)}\n{' · '.join(status)}"


def _review_blocks(summary: HomeSummary, zone: ZoneInfo) -> list[Block]:
    """The most urgent submission gets a Review button (the reviews listener opens the review modal from
    a Home click; it reads a button's value only, and action ids stay unique in the view); every
    submission also has its Review card in the reviewer's DMs."""
    if not summary.reviews:
        return [section("*Waiting for your review:* nothing right now.")] if summary.team else []
    first, *others = summary.reviews
    blocks: list[Block] = [header("Waiting for your review"), _with_accessory(
        _review_text(first, zone), REVIEW_BLOCK,
        button("Review", ids.REVIEW_OPEN, str(first.assignment_id), style="primary"))]
    blocks += [section(_review_text(item, zone)) for item in others]
    if summary.more_reviews:
        blocks.append(context(f"…and {summary.more_reviews} more waiting — see your DMs: each has its Review card "
                              "there."))
    elif others:
        blocks.append(context("The others: use the Review button on each one's card in your DMs."))
    return blocks


def _team_blocks(team: TeamCounts | None) -> list[Block]:
    if team is None:
        return []
    figures = [_plural(team.open_assignments, "open assignment"),
               f"{team.awaiting_review:,} waiting for review"]
    if team.overdue:
        figures.append(f":warning: {team.overdue:,} overdue")
    return [section(f"*Your team* · {_plural(team.reports, 'person', 'people')}\n{' · '.join(figures)}"),
            context("`/coach assign @person` gives someone in your team a small practice task.")]


def _progress_line(line: CompetencyLine, threshold: int) -> str:
    head = f"• *{_escape(line.name)}* — {_plural(line.evidence_count, 'piece')} of evidence"
    days = line.days_to_competency
    if days is not None:
        taken = "under a day" if days < 1 else _plural(round(days), "day")
        return f"{head} · ✔ confirmed in {taken}"
    return f"{head} · {min(line.confirming_count, threshold)} of {threshold} at level 3+ to confirm it"


def _progress_blocks(summary: HomeSummary) -> list[Block]:
    counts = []
    if summary.completed:
        counts.append(f"{_plural(summary.completed, 'practice task')} reviewed")
    if summary.reviews_given:
        counts.append(f"{_plural(summary.reviews_given, 'review')} given")
    if summary.reflections:
        counts.append(f"{_plural(summary.reflections, 'reflection')} (private: only you can read them)")
    if not summary.progress and not counts:
        return []
    blocks: list[Block] = [header("Progress")]
    if summary.progress:
        lines = [_progress_line(line, summary.threshold) for line in summary.progress[:MAX_PROGRESS_LINES]]
        hidden = len(summary.progress) - MAX_PROGRESS_LINES
        if hidden > 0:
            lines.append(f"…and {_plural(hidden, 'more competency', 'more competencies')}")
        blocks.append(section("\n".join(lines)))
    if counts:
        blocks.append(context("So far: " + " · ".join(counts)))
    return blocks


def _summary_blocks(summary: HomeSummary, zone: ZoneInfo) -> list[Block]:
    return (_practice_blocks(summary, zone) + _review_blocks(summary, zone) + _team_blocks(summary.team)
            + _progress_blocks(summary))


def home_view(state: HomeState) -> View:
    name = state.display_name or "there"
    blocks: list[Block] = [header(f"Hi {name[:60]} 👋"), section(
        "Flowcoach brings leadership learning into your week: help right before the moments that matter, "
        "small practice tasks, and peers to learn with."
    ), divider()]
    blocks += _state_blocks(state)
    blocks.append(divider())
    if state.summary is not None:
        blocks += _summary_blocks(state.summary, _zone(state.tz))
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
