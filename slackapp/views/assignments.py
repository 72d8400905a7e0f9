"""Micro-assignments in Slack: the assign modal, the learner's DM card in every state, reminders,
and the decline / question / submit / cancel / reassign modals.

Delivery payloads (scheduled by ``slackapp.domain.assignments``):

* ``assignment_offer``: the snapshot built by ``domain.assignments.build_offer_payload`` (assignment_id,
  template_id, title, competency_name, skill_name, why, instructions, deliverable, success_criteria,
  timebox_hours, effort_minutes, due_at ISO, learner_id, assigned_by, reviewer_id, self_practice,
  context_note, context_permalink).
* ``assignment_reminder``: assignment_id, title, number (1 or 2), due_at, not_after.

Every button on a card carries the assignment id as its value. Pure builders: no database, no Slack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.assignments import (
    LINK_MAX,
    NOTE_MAX,
    QUESTION_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    CardStatus,
    build_offer_payload,
    offered_status,
)
from slackapp.views.blocks import MAX_SECTION_TEXT, Message, button, clip, context, header, section
from slackapp.views.deliveries import RenderContext, Renderer

# Ids this work needs beyond slackapp.ids (to move there): the cancel and reassign modals, and the
# "change due date or reviewer" control.
CANCEL_MODAL = "fc_assignment_cancel_modal"
CANCEL_REASON_BLOCK = "fc_cancel_reason_block"
CANCEL_REASON = "fc_cancel_reason"
ASSIGNMENT_REASSIGN = "fc_assignment_reassign"
REASSIGN_MODAL = "fc_assignment_reassign_modal"

MAX_OPTIONS = 100  # a static select: 100 options in all, in at most 100 groups
MAX_PRIVATE_METADATA = 3000
NOTE_PREFILL_MAX = 300
RECOMMENDED_LABEL = "Recommended for you"
LIST_MAX_LINES = 20

STATE_WORDS = {"offered": "waiting for an answer", "accepted": "accepted", "submitted": "submitted",
               "changes_requested": "changes requested", "reviewed": "reviewed", "declined": "declined",
               "cancelled": "cancelled"}


# -- small text helpers ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """Free text typed by people (or written in content) never becomes a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    return "\n".join(f">{line}" if line.strip() else ">" for line in escape(text).splitlines())


def when(moment: datetime, tz: ZoneInfo) -> str:
    """``Tue 24 Nov, 17:30`` in the reader's zone."""
    return f"{moment.astimezone(tz):%a %d %b, %H:%M}"


def parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None


def _title(payload: Mapping[str, Any]) -> str:
    return str(payload.get("title") or "Micro-assignment")


def _lines(items: Iterable[Any], *, numbered: bool) -> str:
    return "\n".join(f"{n}. {escape(str(item))}" if numbered else f"• {escape(str(item))}"
                     for n, item in enumerate(items, start=1))


def _labelled(label: str, body: str) -> list[Block]:
    """A bold label and its body, split over as many sections as Slack's 3,000 characters need."""
    text = f"*{label}*\n{body}"
    if len(text) <= MAX_SECTION_TEXT:
        return [section(text)]
    blocks: list[Block] = [section(f"*{label}*")]
    while body:
        cut = body.rfind("\n", 0, MAX_SECTION_TEXT)
        cut = cut if cut > 0 else MAX_SECTION_TEXT
        blocks.append(section(body[:cut]))
        body = body[cut:].lstrip("\n")
    return blocks


# -- the learner's card ----------------------------------------------------------------------------


def _meta_line(payload: Mapping[str, Any]) -> str:
    competency = escape(str(payload.get("competency_name") or payload.get("competency_id") or ""))
    skill = escape(str(payload.get("skill_name") or payload.get("skill_id") or ""))
    effort = payload.get("effort_minutes")
    work = f" · about {effort} min of work" if effort else ""
    return f"Micro-assignment · *{competency}* › {skill}{work}"


def _context_blocks(payload: Mapping[str, Any], status: CardStatus) -> list[Block]:
    note = str(payload.get("context_note") or "").strip()
    permalink = str(payload.get("context_permalink") or "")
    link = f"\n<{permalink}|The message this is about>" if permalink.startswith("https://") else ""
    if status.self_practice:
        text = f"*Your goal*\n{quote(note)}" if note else ""
        return [section(clip(text + link, MAX_SECTION_TEXT))] if text or link else []
    text = f"*Context from <@{status.assigned_by}>*\n{quote(note)}" if note else f"*From <@{status.assigned_by}>*"
    return [section(clip(text, MAX_SECTION_TEXT - len(link)) + link)]


def _body(payload: Mapping[str, Any], status: CardStatus) -> list[Block]:
    blocks: list[Block] = [header(_title(payload)), context(_meta_line(payload))]
    if payload.get("why"):
        blocks += _labelled("Why it matters", escape(str(payload["why"])))
    if payload.get("instructions"):
        blocks += _labelled("What to do", _lines(payload["instructions"], numbered=True))
    if payload.get("deliverable"):
        blocks += _labelled("What to hand in", escape(str(payload["deliverable"])))
    if payload.get("success_criteria"):
        blocks += _labelled("Success looks like", _lines(payload["success_criteria"], numbered=False))
    blocks += _context_blocks(payload, status)
    if status.reviewer_id:
        who = "you chose" if status.self_practice else "reviewer"
        blocks.append(context(f"Review by <@{status.reviewer_id}> ({who})."))
    return blocks


def status_line(status: CardStatus, tz: ZoneInfo | None) -> str:
    """The card's state in one line. ``tz`` None (a caller that doesn't know the learner's zone) leaves
    the times out rather than showing them in the wrong zone."""
    due = when(status.due_at, tz) if tz is not None else ""
    if status.state == "offered":
        return f"*Due {due}* (your time). Will you take it on?" if due else "Will you take it on?"
    if status.state == "accepted":
        return f"✅ *Accepted* — due {due}" if due else "✅ *Accepted*"
    if status.state == "declined":
        return f"You declined this: “{escape(status.decline_reason or '')}”"
    if status.state == "submitted":
        late = " (late)" if status.late else ""
        promise = f" (promised by {when(status.review_due_at, tz)})" if status.review_due_at and tz else ""
        return f"📨 *Submitted{late}* — waiting for <@{status.reviewer_id}>'s review{promise}."
    if status.state == "changes_requested":
        return (f"✏️ *Changes requested* by <@{status.reviewer_id}> — the feedback is in this thread. "
                "Submit again when you're ready" + (f" (due {due})." if due else "."))
    if status.state == "reviewed":
        return f"🎉 *Reviewed* by <@{status.reviewer_id}> — the feedback is in this thread."
    if status.state == "cancelled":
        note = escape(status.close_note or "")
        if status.closed_by and status.closed_by != status.learner_id:
            return f"🚫 *Cancelled* by <@{status.closed_by}>" + (f": {note}" if note else ".")
        return "🚫 *Cancelled*" + (f": {note}" if note else ".")
    return status.state.replace("_", " ")


def _card_actions(status: CardStatus) -> list[Block]:
    value = str(status.assignment_id)
    ask = button("Ask a question", ids.ASSIGNMENT_QUESTION, value)
    if status.state == "offered":
        return [ActionsBlock(elements=[button("Accept", ids.ASSIGNMENT_ACCEPT, value, style="primary"),
                                       button("Decline", ids.ASSIGNMENT_DECLINE, value), ask])]
    if status.state in ("accepted", "changes_requested"):
        label = "Submit again" if status.state == "changes_requested" else "Submit"
        return [ActionsBlock(elements=[button(label, ids.ASSIGNMENT_SUBMIT, value, style="primary"), ask])]
    return []


def fallback_text(payload: Mapping[str, Any], status: CardStatus, tz: ZoneInfo | None) -> str:
    title = _title(payload)
    if status.state == "offered":
        source = "Your practice" if status.self_practice else f"New micro-assignment from <@{status.assigned_by}>"
        return f"{source}: {title}" + (f" — due {when(status.due_at, tz)}" if tz is not None else "")
    return f"{title}: {STATE_WORDS.get(status.state, status.state)}"


def learner_card(payload: Mapping[str, Any], status: CardStatus, tz: ZoneInfo | None) -> Message:
    """The learner's DM card for the assignment's current state. Open states keep the whole task in
    view; closed ones shrink to the title and what happened. Only usable buttons are shown."""
    closed = status.state in ("declined", "cancelled")
    blocks = [header(_title(payload)), context(_meta_line(payload))] if closed else _body(payload, status)
    blocks.append(section(status_line(status, tz)))
    blocks += _card_actions(status)
    return Message(text=fallback_text(payload, status, tz), blocks=blocks)


def learner_card_update(assignment: Any, *, content: Any = None) -> Message:
    """The learner's card for an Assignment row without the database (the reviews work calls this after a
    verdict). Better: ``slackapp.listeners.assignments.refresh_learner_card``, which uses the card's own
    snapshot and the learner's time zone; this one rebuilds the task from the content library and
    leaves times out."""
    template = None
    finder = getattr(content, "assignment", None)
    if finder is not None:
        try:
            template = finder(assignment.template_id)
        except (KeyError, ValueError):
            template = None
    if template is not None:
        payload = build_offer_payload(assignment, template, content)
    else:
        payload = {"title": str(assignment.template_id).replace("-", " ").capitalize(),
                   "competency_id": assignment.competency_id, "skill_id": assignment.skill_id,
                   "context_note": assignment.context_note, "context_permalink": assignment.context_permalink}
    status = CardStatus(assignment_id=assignment.id, state=assignment.state, learner_id=assignment.learner_id,
                        assigned_by=assignment.assigned_by, reviewer_id=assignment.reviewer_id,
                        due_at=assignment.due_at, late=assignment.late, decline_reason=assignment.decline_reason,
                        review_due_at=assignment.review_due_at)
    return learner_card(payload, status, None)


def offer_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    return learner_card(payload, offered_status(payload), ctx.tz)


def reminder_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    due = parse_time(payload.get("due_at"))
    title = escape(_title(payload))
    text = f"⏰ *{title}* is due {when(due, ctx.tz)} (your time)." if due else f"⏰ *{title}* is due soon."
    return Message(text=f"Reminder: {_title(payload)}", blocks=[
        section(text + " Done already? Submit it here — a few lines are enough."),
        ActionsBlock(elements=[button("Submit", ids.ASSIGNMENT_SUBMIT, str(payload.get("assignment_id") or ""),
                                      style="primary")]),
    ])


def reminder_done(payload: Mapping[str, Any], state: str) -> Message:
    """A sent reminder once the assignment has moved on: no Submit button left to click."""
    text = f"⏰ *{escape(_title(payload))}* — {STATE_WORDS.get(state, state)}. Nothing more to do here."
    return Message(text=f"{_title(payload)}: {STATE_WORDS.get(state, state)}", blocks=[section(text)])


RENDERERS: dict[str, Renderer] = {"assignment_offer": offer_message, "assignment_reminder": reminder_message}


# -- messages posted because someone did something -------------------------------------------------


def question_in_thread(*, learner_id: str, asked_id: str, text: str, reached: bool = True) -> Message:
    body = f"*You asked <@{asked_id}>:*\n{quote(text)}"
    note = (f"I sent it to <@{asked_id}> as a direct message; they'll answer you directly." if reached
            else f"I couldn't reach <@{asked_id}> in Slack just now — message them directly, please.")
    return Message(text=f"You asked a question: {clip(text, 200)}", blocks=[
        section(clip(body, MAX_SECTION_TEXT)), context(note)])


def question_to_asked(*, learner_id: str, title: str, text: str) -> Message:
    body = f"<@{learner_id}> has a question about *{escape(title)}*:\n{quote(text)}"
    return Message(text=f"A question about {title}", blocks=[
        section(clip(body, MAX_SECTION_TEXT)),
        context(f"Reply in this thread for your notes, and answer <@{learner_id}> in a direct message."),
    ])


def submitted_in_thread(*, version: int, late: bool, summary: str, link: str | None,
                        self_level: int | None) -> Message:
    """The learner's own record of what they handed in, in the card's thread (review feedback follows)."""
    head = f"*You submitted version {version}*" + (" (late)" if late else "")
    parts = [head, quote(summary)]
    if link:
        shown = f"<{link}>" if link.startswith(("https://", "http://")) and "|" not in link and " " not in link \
            else escape(link)
        parts.append(f"*Link or file:* {shown}")
    if self_level:
        parts.append(f"*Your self-assessment:* level {self_level}")
    return Message(text=f"You submitted version {version}", blocks=[section(clip("\n".join(parts), MAX_SECTION_TEXT))])


def declined_notice(*, learner_id: str, title: str, reason: str) -> Message:
    text = f"<@{learner_id}> declined *{escape(title)}*: “{escape(reason)}”"
    return Message(text=f"Declined: {title}", blocks=[section(clip(text, MAX_SECTION_TEXT))])


def cancelled_notice(*, actor_id: str, reason: str) -> Message:
    text = f"<@{actor_id}> cancelled this assignment: “{escape(reason)}” Nothing more to do here."
    return Message(text="This assignment was cancelled", blocks=[section(clip(text, MAX_SECTION_TEXT))])


def reassigned_notice(*, actor_id: str, due_at: datetime | None, reviewer_id: str | None, tz: ZoneInfo) -> Message:
    parts = []
    if due_at is not None:
        parts.append(f"the new due time is *{when(due_at, tz)}* (your time)")
    if reviewer_id is not None:
        parts.append(f"<@{reviewer_id}> will review it")
    text = f"<@{actor_id}> changed this assignment: " + " and ".join(parts) + "."
    return Message(text="Your assignment changed", blocks=[section(text)])


# -- /coach assignments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListItem:
    assignment_id: int
    learner_id: str
    learner_name: str
    title: str
    state: str
    due_at: datetime


def _item_line(item: ListItem, tz: ZoneInfo, *, with_learner: bool) -> str:
    who = f"<@{item.learner_id}> — " if with_learner else ""
    return f"• {who}*{escape(item.title)}* · {STATE_WORDS.get(item.state, item.state)} · due {when(item.due_at, tz)}"


def _list_section(label: str, items: Sequence[ListItem], tz: ZoneInfo, *, with_learner: bool) -> Block:
    lines = [_item_line(item, tz, with_learner=with_learner) for item in items[:LIST_MAX_LINES]]
    if len(items) > LIST_MAX_LINES:
        lines.append(f"…and {len(items) - LIST_MAX_LINES} more (soonest due first).")
    return section(clip(f"*{label}*\n" + "\n".join(lines), MAX_SECTION_TEXT))


def _pick(action_id: str, placeholder: str, items: Sequence[ListItem]) -> StaticSelectElement:
    options = [Option(value=str(item.assignment_id), label=clip(f"{item.learner_name} · {item.title}", 75))
               for item in items[:MAX_OPTIONS]]
    return StaticSelectElement(action_id=action_id, placeholder=PlainTextObject(text=placeholder), options=options)


def assignments_list(*, given: Sequence[ListItem], mine: Sequence[ListItem], tz: ZoneInfo) -> Message:
    """The open assignments a person gave (with change and cancel menus) and the ones they are doing."""
    if not given and not mine:
        text = ("Nothing open right now. Give someone in your team practice with `/coach assign @person`, "
                "or pick your own with `/coach practice`.")
        return Message(text=text, blocks=[section(text)])
    blocks: list[Block] = [header("Open micro-assignments")]
    if given:
        blocks.append(_list_section("Assigned by you", given, tz, with_learner=True))
        blocks.append(ActionsBlock(elements=[
            _pick(ASSIGNMENT_REASSIGN, "Change due date or reviewer…", given),
            _pick(ids.ASSIGNMENT_CANCEL, "Cancel one…", given),
        ]))
    if mine:
        blocks.append(_list_section("Yours to do", mine, tz, with_learner=False))
        blocks.append(context("Your cards are in your direct messages with me: submit, or ask a question, there."))
    return Message(text=f"{len(given)} assigned by you, {len(mine)} yours to do", blocks=blocks)


# -- the assign modal ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateChoices:
    groups: tuple[tuple[str, tuple[Any, ...]], ...]  # (group label, templates)
    shown: int
    total: int


def template_choices(content: Any, *, recommended: Sequence[Any] = ()) -> TemplateChoices:
    """Templates grouped by competency (``Recommended for you`` first, without repeating those below).
    More than 100 templates: every competency keeps a fair share of the 100 options, and the modal
    says how many are shown."""
    templates = tuple(getattr(content, "assignments", ()) or ())
    picked_ids = {t.id for t in recommended}
    groups: list[tuple[str, list[Any]]] = []
    if recommended:
        groups.append((RECOMMENDED_LABEL, list(recommended)))
    by_competency: dict[str, list[Any]] = {}
    for template in templates:
        if template.id not in picked_ids:
            by_competency.setdefault(template.competency_id, []).append(template)
    for competency_id, items in by_competency.items():
        groups.append((_competency_name(content, competency_id), items))
    groups = groups[:MAX_OPTIONS]
    budget, kept = MAX_OPTIONS, [0] * len(groups)
    while budget > 0 and any(kept[i] < len(g[1]) for i, g in enumerate(groups)):  # round robin: fair shares
        for index, (_label, items) in enumerate(groups):
            if budget > 0 and kept[index] < len(items):
                kept[index] += 1
                budget -= 1
    chosen = tuple((label, tuple(items[: kept[i]])) for i, (label, items) in enumerate(groups) if kept[i])
    return TemplateChoices(groups=chosen, shown=sum(kept), total=len(templates))


def _competency_name(content: Any, competency_id: str) -> str:
    try:
        return str(content.competency(competency_id).name)
    except (KeyError, AttributeError):
        return competency_id


def _skill_name(content: Any, skill_id: str) -> str:
    try:
        return str(content.skill(skill_id).name)
    except (KeyError, AttributeError):
        return skill_id


def _template_option(content: Any, template: Any) -> Option:
    hours = template.timebox_hours
    span = f"{hours} h" if hours < 48 else f"{round(hours / 24)} days"
    return Option(value=str(template.id), label=clip(str(template.title), 75),
                  description=clip(f"{_skill_name(content, template.skill_id)} · within {span}", 75))


@dataclass(frozen=True, slots=True)
class AssignForm:
    """What the assign modal shows (and keeps across updates)."""

    self_practice: bool
    learner_id: str | None = None
    template_id: str | None = None
    reviewer_id: str | None = None
    note: str = ""
    due_date: str | None = None  # YYYY-MM-DD picked by the assigner
    due_hint: str = ""
    permalink: str | None = None


def assign_metadata(form: AssignForm) -> str:
    data = json.dumps({"self": form.self_practice, "permalink": form.permalink})
    if len(data) > MAX_PRIVATE_METADATA:
        data = json.dumps({"self": form.self_practice, "permalink": None})
    return data


def read_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def default_hint(*, whose: str, due_at: datetime | None, timebox_hours: int | None, tz: ZoneInfo | None) -> str:
    """``whose``: "Ravi's", "your" or "their" — whose working hours the default is counted in."""
    if due_at is not None and tz is not None and timebox_hours:
        return (f"Leave empty for the default: {when(due_at, tz)} {whose} time — {timebox_hours} working hours "
                f"from now. A date you pick means the end of {whose} working day.")
    return (f"Leave empty for the practice's timebox, counted in {whose} working hours. "
            f"A date you pick means the end of {whose} working day.")


def assign_modal(form: AssignForm, *, content: Any, recommended: Sequence[Any] = ()) -> View:
    choices = template_choices(content, recommended=recommended)
    blocks: list[Block] = []
    if form.permalink:
        blocks.append(context(f"From <{form.permalink}|this message>: its link goes on the card as context."))
    if form.self_practice:
        blocks.append(section("Pick a practice for yourself. Your reviewer gets your work when you submit it."))
    else:
        blocks.append(InputBlock(
            block_id=ids.ASSIGN_LEARNER_BLOCK, label=PlainTextObject(text="Who will practise?"), dispatch_action=True,
            element=UserSelectElement(action_id=ids.ASSIGN_LEARNER, initial_user=form.learner_id or None,
                                      placeholder=PlainTextObject(text="Someone in your team"))))
    all_templates = [t for _label, items in choices.groups for t in items]
    initial = next((t for t in all_templates if t.id == form.template_id), None)
    blocks.append(InputBlock(
        block_id=ids.ASSIGN_TEMPLATE_BLOCK, label=PlainTextObject(text="Micro-assignment"), dispatch_action=True,
        hint=PlainTextObject(text="Grouped by competency — type to search."),
        element=StaticSelectElement(
            action_id=ids.ASSIGN_TEMPLATE, placeholder=PlainTextObject(text="Type to search…"),
            option_groups=[OptionGroup(label=clip(label, 75), options=[_template_option(content, t) for t in items])
                           for label, items in choices.groups],
            initial_option=_template_option(content, initial) if initial is not None else None)))
    if choices.shown < choices.total:
        blocks.append(context(f"Showing {choices.shown} of {choices.total} practices (Slack lists at most "
                              f"{MAX_OPTIONS}); every competency keeps some."))
    blocks.append(InputBlock(
        block_id=ids.ASSIGN_DUE_BLOCK, label=PlainTextObject(text="Due date"), optional=True,
        hint=PlainTextObject(text=clip(form.due_hint or default_hint(whose="their", due_at=None, timebox_hours=None,
                                                                     tz=None), 2000)),
        element=DatePickerElement(action_id=ids.ASSIGN_DUE, initial_date=form.due_date or None,
                                  placeholder=PlainTextObject(text="Default: the practice's timebox"))))
    blocks.append(InputBlock(
        block_id=ids.ASSIGN_NOTE_BLOCK, optional=form.self_practice,
        label=PlainTextObject(text="What do you want to get out of it?" if form.self_practice
                              else "Context: why this, why now"),
        hint=PlainTextObject(text="Only you and your reviewer see this." if form.self_practice
                             else "The learner sees this on their card, with your name."),
        element=PlainTextInputElement(action_id=ids.ASSIGN_NOTE, multiline=True, max_length=NOTE_MAX,
                                      initial_value=form.note or None)))
    blocks.append(InputBlock(
        block_id=ids.ASSIGN_REVIEWER_BLOCK, label=PlainTextObject(text="Reviewer"),
        hint=PlainTextObject(text="Anyone but yourself: your manager, a mentor or a peer." if form.self_practice
                             else "Reviews the submission against the rubric. Usually you."),
        element=UserSelectElement(action_id=ids.ASSIGN_REVIEWER, initial_user=form.reviewer_id or None,
                                  placeholder=PlainTextObject(text="Pick a reviewer"))))
    return View(type="modal", callback_id=ids.ASSIGN_MODAL,
                title="Practise a skill" if form.self_practice else "Assign practice",
                submit="Start" if form.self_practice else "Assign", close="Cancel",
                private_metadata=assign_metadata(form), blocks=blocks)


def _values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((view.get("state") or {}).get("values")) or {}


def _state(view: Mapping[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return dict((_values(view).get(block_id) or {}).get(action_id) or {})


def text_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str:
    return str(_state(view, block_id, action_id).get("value") or "")


def user_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    return _state(view, block_id, action_id).get("selected_user") or None


def option_value(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    return (_state(view, block_id, action_id).get("selected_option") or {}).get("value") or None


def date_value(view: Mapping[str, Any], block_id: str, action_id: str) -> date | None:
    raw = _state(view, block_id, action_id).get("selected_date")
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def assign_form(view: Mapping[str, Any], *, actor_id: str) -> AssignForm:
    """The assign modal's metadata and current values."""
    meta = read_metadata(view)
    self_practice = bool(meta.get("self"))
    picked = date_value(view, ids.ASSIGN_DUE_BLOCK, ids.ASSIGN_DUE)
    permalink = meta.get("permalink")
    return AssignForm(
        self_practice=self_practice,
        learner_id=actor_id if self_practice else user_value(view, ids.ASSIGN_LEARNER_BLOCK, ids.ASSIGN_LEARNER),
        template_id=option_value(view, ids.ASSIGN_TEMPLATE_BLOCK, ids.ASSIGN_TEMPLATE),
        reviewer_id=user_value(view, ids.ASSIGN_REVIEWER_BLOCK, ids.ASSIGN_REVIEWER),
        note=text_value(view, ids.ASSIGN_NOTE_BLOCK, ids.ASSIGN_NOTE),
        due_date=picked.isoformat() if picked else None,
        permalink=str(permalink) if isinstance(permalink, str) and permalink else None,
    )


ASSIGN_FIELD_BLOCKS = {"learner": ids.ASSIGN_LEARNER_BLOCK, "template": ids.ASSIGN_TEMPLATE_BLOCK,
                       "due": ids.ASSIGN_DUE_BLOCK, "note": ids.ASSIGN_NOTE_BLOCK,
                       "reviewer": ids.ASSIGN_REVIEWER_BLOCK}


def prefill_note(text: str) -> str:
    return text.strip()[:NOTE_PREFILL_MAX]


# -- the learner's modals --------------------------------------------------------------------------


def _subject(title: str) -> Block:
    return context(f"*{escape(title)}*")


def decline_modal(*, assignment_id: int, title: str, asked_name: str) -> View:
    return View(type="modal", callback_id=ids.DECLINE_MODAL, title="Decline", submit="Decline", close="Back",
                private_metadata=str(assignment_id), blocks=[
                    _subject(title),
                    InputBlock(block_id=ids.DECLINE_REASON_BLOCK,
                               label=PlainTextObject(text=clip(f"Why not? {asked_name} will see this", 2000)),
                               hint=PlainTextObject(text="Too busy right now, not the right skill, already done it… "
                                                         "An honest line helps pick something better."),
                               element=PlainTextInputElement(action_id=ids.DECLINE_REASON, multiline=True,
                                                             max_length=REASON_MAX))])


def question_modal(*, assignment_id: int, title: str, asked_name: str) -> View:
    return View(type="modal", callback_id=ids.QUESTION_MODAL, title="Ask a question", submit="Send", close="Back",
                private_metadata=str(assignment_id), blocks=[
                    _subject(title),
                    InputBlock(block_id=ids.QUESTION_BLOCK,
                               label=PlainTextObject(text=clip(f"Your question for {asked_name}", 2000)),
                               element=PlainTextInputElement(action_id=ids.QUESTION_TEXT, multiline=True,
                                                             max_length=QUESTION_MAX)),
                    context(f"{escape(asked_name)} gets it as a direct message, and it stays in this "
                            "assignment's thread for you."),
                ])


def submit_modal(*, assignment_id: int, title: str, deliverable: str, rubric: Sequence[Any], version: int) -> View:
    """What was done, a link or file reference, and a self-assessment on the template's rubric (the full
    descriptors are shown above the choice; the radio buttons carry the level names)."""
    blocks: list[Block] = [_subject(title)]
    if version > 1:
        blocks.append(context(f"This is version {version}: say what you changed after the feedback."))
    blocks.append(InputBlock(
        block_id=ids.SUBMIT_SUMMARY_BLOCK, label=PlainTextObject(text="What did you do?"),
        hint=PlainTextObject(text=clip(f"What to hand in: {deliverable}", 2000) if deliverable
                             else "A few lines: what you did, and what happened."),
        element=PlainTextInputElement(action_id=ids.SUBMIT_SUMMARY, multiline=True, max_length=SUMMARY_MAX)))
    blocks.append(InputBlock(
        block_id=ids.SUBMIT_LINK_BLOCK, label=PlainTextObject(text="Link or file reference"), optional=True,
        hint=PlainTextObject(text="A link (https://…), or where to find the file — e.g. “1:1 notes, team drive”."),
        element=PlainTextInputElement(action_id=ids.SUBMIT_LINK, max_length=LINK_MAX)))
    levels = list(rubric)[:4]
    if levels:
        rubric_text = "\n".join(f"*{lv.level} · {escape(str(lv.name))}* — {escape(str(lv.descriptor))}"
                                for lv in levels)
        blocks += _labelled("The rubric your reviewer uses", rubric_text)
        blocks.append(InputBlock(
            block_id=ids.SUBMIT_LEVEL_BLOCK, label=PlainTextObject(text="Your self-assessment"), optional=True,
            element=RadioButtonsElement(action_id=ids.SUBMIT_LEVEL, options=[
                Option(value=str(lv.level), label=clip(f"{lv.level} · {lv.name}", 75)) for lv in levels])))
    return View(type="modal", callback_id=ids.SUBMIT_MODAL, title="Submit your work", submit="Submit",
                close="Not yet", private_metadata=str(assignment_id), blocks=blocks)


# -- the assigner's modals -------------------------------------------------------------------------


def change_metadata(assignment_id: int, response_url: str | None) -> str:
    data = json.dumps({"id": assignment_id, "response_url": response_url})
    return data if len(data) <= MAX_PRIVATE_METADATA else json.dumps({"id": assignment_id})


def cancel_modal(*, assignment_id: int, title: str, learner_name: str, response_url: str | None) -> View:
    return View(type="modal", callback_id=CANCEL_MODAL, title="Cancel assignment", submit="Cancel it",
                close="Keep it", private_metadata=change_metadata(assignment_id, response_url), blocks=[
                    context(f"*{escape(title)}* for {escape(learner_name)}"),
                    InputBlock(block_id=CANCEL_REASON_BLOCK,
                               label=PlainTextObject(text=clip(f"Why? {learner_name} will see this", 2000)),
                               element=PlainTextInputElement(action_id=CANCEL_REASON, multiline=True,
                                                             max_length=REASON_MAX)),
                ])


def reassign_modal(*, assignment_id: int, title: str, learner_name: str, due_at: datetime, tz: ZoneInfo,
                   reviewer_id: str, response_url: str | None) -> View:
    return View(type="modal", callback_id=REASSIGN_MODAL, title="Change assignment", submit="Save", close="Back",
                private_metadata=change_metadata(assignment_id, response_url), blocks=[
                    context(f"*{escape(title)}* for {escape(learner_name)}"),
                    InputBlock(block_id=ids.ASSIGN_DUE_BLOCK, label=PlainTextObject(text="New due date"),
                               optional=True,
                               hint=PlainTextObject(text=clip(
                                   f"Now due {when(due_at, tz)} {learner_name}'s time. A new date means the end of "
                                   f"{learner_name}'s working day; the reminders move with it.", 2000)),
                               element=DatePickerElement(action_id=ids.ASSIGN_DUE)),
                    InputBlock(block_id=ids.ASSIGN_REVIEWER_BLOCK, label=PlainTextObject(text="Reviewer"),
                               element=UserSelectElement(action_id=ids.ASSIGN_REVIEWER, initial_user=reviewer_id)),
                ])


def change_target(view: Mapping[str, Any]) -> tuple[str, str | None]:
    """(assignment id, response_url of the list to refresh) from a cancel/reassign modal."""
    meta = read_metadata(view)
    url = meta.get("response_url")
    return str(meta.get("id") or ""), str(url) if isinstance(url, str) and url else None
