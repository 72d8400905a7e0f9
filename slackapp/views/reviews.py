"""The reviewer's card, review reminders, the review modal and the feedback the learner receives.

Delivery payloads (``slackapp.domain.reviews``):

* ``review_request``: assignment_id, submission_id, version, learner_id, reviewer_id, template_id, title,
  competency_id/name, skill_id/name, deliverable, success_criteria, summary, link, self_level,
  self_level_name, late, review_due_at (ISO UTC), review_hours
* ``review_reminder``: assignment_id, version, learner_id, title, skill_name, review_due_at, review_hours,
  stage ("due_soon" | "overdue")
* ``review_result``: assignment_id, version, template_id, learner_id, reviewer_id, outcome, level, feedback,
  counts_as_evidence, skill_id (the feedback as its own DM, when the assignment card is unknown)

The Review button's value is ``"<assignment_id>:<version>"``; the modal's private_metadata is
``{"assignment_id": …, "version": …}``. Everything the learner or the content wrote is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.reviews import (
    ACCEPTED,
    CHANGES_REQUESTED,
    EVIDENCE_LEVEL,
    FEEDBACK_MAX,
    REVIEW_REMINDER,
    REVIEW_REQUEST,
    REVIEW_RESULT,
    LevelChoice,
    level_name,
    rubric,
    template_of,
)
from slackapp.views.blocks import MAX_SECTION_TEXT, Message, actions, button, clip, context, section
from slackapp.views.deliveries import RenderContext, Renderer
from slackapp.views.nudges import pack, snooze_select

MODAL_TITLE = "Review"
OPTION_TEXT_MAX = 75  # Slack's limit for option text and descriptions
EVIDENCE_OPTION = "evidence"
EVIDENCE_BLOCK_ON = f"{ids.REVIEW_EVIDENCE_BLOCK}.on"  # a new block id, so Slack applies the new default
SBI_GUIDE = ("*SBI* — *Situation*: when and where; *Behaviour*: what you observed, not a judgement; "
             "*Impact*: the effect it had. Then one thing to keep and one to try.")
SUPERSEDED_TEXT = "Superseded by a new submission"
REVIEWED_PREFIX = "Reviewed ✔"


# -- values carried by buttons and modals ----------------------------------------------------------


def review_button_value(assignment_id: int, version: int) -> str:
    return f"{assignment_id}:{version}"


def parse_review_button(value: str | None) -> tuple[int, int | None]:
    """(assignment id, version) from a Review button; ValueError when it isn't one."""
    head, _, tail = str(value or "").partition(":")
    return int(head), (int(tail) if tail else None)


def modal_metadata(view: dict[str, Any]) -> tuple[int, int | None]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
        version = data.get("version")
        return int(data["assignment_id"]), (int(version) if version is not None else None)
    except (ValueError, TypeError, KeyError):
        raise ValueError("not a review modal") from None


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return ((view.get("state") or {}).get("values")) or {}


def _selected(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    chosen = ((_values(view).get(block_id) or {}).get(action_id) or {}).get("selected_option") or {}
    value = chosen.get("value")
    return str(value) if value is not None else None


def modal_level(view: dict[str, Any]) -> int | None:
    raw = _selected(view, ids.REVIEW_LEVEL_BLOCK, ids.REVIEW_LEVEL)
    return int(raw) if raw is not None and raw.isdigit() else None


def modal_outcome(view: dict[str, Any]) -> str | None:
    return _selected(view, ids.REVIEW_OUTCOME_BLOCK, ids.REVIEW_OUTCOME)


def modal_feedback(view: dict[str, Any]) -> str:
    typed = (_values(view).get(ids.REVIEW_FEEDBACK_BLOCK) or {}).get(ids.REVIEW_FEEDBACK) or {}
    return str(typed.get("value") or "")


def modal_counts_as_evidence(view: dict[str, Any]) -> bool:
    for block_id, actions_state in _values(view).items():
        if block_id.startswith(ids.REVIEW_EVIDENCE_BLOCK):
            chosen = (actions_state.get(ids.REVIEW_EVIDENCE) or {}).get("selected_options") or []
            return any(o.get("value") == EVIDENCE_OPTION for o in chosen)
    return False


FIELD_BLOCKS = {"level": ids.REVIEW_LEVEL_BLOCK, "feedback": ids.REVIEW_FEEDBACK_BLOCK,
                "outcome": ids.REVIEW_OUTCOME_BLOCK}


def field_errors(problems: dict[str, str]) -> dict[str, str]:
    """Domain field problems → Slack's ``response_action: errors`` (block id → message)."""
    return {FIELD_BLOCKS[field]: message for field, message in problems.items() if field in FIELD_BLOCKS}


# -- text helpers ----------------------------------------------------------------------------------


def escape(text: Any) -> str:
    """Learner-, reviewer- and content-written text in mrkdwn: no stray links, mentions or markup breaks."""
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip()


def _title(payload: dict[str, Any]) -> str:
    return escape(clip(str(payload.get("title") or "your micro-assignment"), 200)).replace("*", "")


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def local_when(moment: datetime, tz: ZoneInfo) -> str:
    """"Wed 25 Nov, 16:00" in the reader's zone."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


def _hours(value: Any) -> str:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return ""
    shown = f"{hours:g}"
    return f"{shown} working hour{'' if hours == 1 else 's'}"


def review_by_line(payload: dict[str, Any], ctx: RenderContext) -> str:
    due = _parse_time(payload.get("review_due_at"))
    if due is None:
        return "Please review it when you can."
    hours = _hours(payload.get("review_hours"))
    return f"Please review by {local_when(due, ctx.tz)}" + (f" ({hours})" if hours else "") + "."


def _quote(text: str) -> list[str]:
    """Multiline text as a mrkdwn quote (every piece of every line quoted), in section-sized chunks."""
    quoted = [f">{piece}" for line in escape(text).splitlines() for piece in (pack([line], limit=1000) or [""])]
    return pack(quoted or [">"], limit=MAX_SECTION_TEXT)


def _sections(texts: Sequence[str]) -> list[Block]:
    return [section(text) for text in texts if text]


def _submission_blocks(payload: dict[str, Any], *, with_criteria: bool = True) -> list[Block]:
    blocks: list[Block] = []
    summary = escape(payload.get("summary")) or "_(no description)_"
    blocks += _sections(pack(["*What they did*", *summary.splitlines()], limit=MAX_SECTION_TEXT))
    details = []
    if payload.get("link"):
        details.append(f"*Link or file:* {escape(clip(str(payload['link']), 1000))}")
    if payload.get("self_level"):
        name = escape(payload.get("self_level_name")) or f"Level {payload['self_level']}"
        details.append(f"*Their self-assessment:* {name} ({payload['self_level']} of 4)")
    if details:
        blocks.append(section("\n".join(details)))
    if with_criteria:
        criteria = [f"• {escape(c)}" for c in payload.get("success_criteria") or []]
        deliverable = escape(payload.get("deliverable"))
        lines = ([f"*Deliverable:* {deliverable}"] if deliverable else []) + (
            ["*Success criteria*", *criteria] if criteria else [])
        blocks += _sections(pack(lines))
    return blocks


def _subject(payload: dict[str, Any]) -> str:
    learner = f"<@{payload.get('learner_id')}>"
    version = int(payload.get("version") or 1)
    again = f" again (version {version}, after the changes you asked for)" if version > 1 else ""
    return f"{learner} submitted *{_title(payload)}*{again} for your review."


def _skill_line(payload: dict[str, Any]) -> str:
    parts = [escape(payload.get("competency_name")), escape(payload.get("skill_name"))]
    line = " › ".join(p for p in parts if p)
    if payload.get("late"):
        line = f"{line} · submitted after the due date" if line else "Submitted after the due date"
    return line


# -- the reviewer's card ---------------------------------------------------------------------------


def review_request_card(payload: dict[str, Any], ctx: RenderContext) -> Message:
    skill = _skill_line(payload)
    blocks: list[Block] = [section(_subject(payload))]
    if skill:
        blocks.append(context(skill))
    blocks += _submission_blocks(payload)
    blocks.append(context(review_by_line(payload, ctx)))
    value = review_button_value(int(payload.get("assignment_id") or 0), int(payload.get("version") or 1))
    blocks.append(actions(button("Review", ids.REVIEW_OPEN, value, style="primary")))
    learner = f"<@{payload.get('learner_id')}>"
    text = f"{learner} submitted “{_title(payload)}” for your review. {review_by_line(payload, ctx)}"
    return Message(text=text, blocks=blocks)


def reviewed_status(*, outcome: str, level_label: str, learner_id: str) -> str:
    if outcome == ACCEPTED:
        level = f" {escape(level_label)}" if level_label else ""
        return f"{REVIEWED_PREFIX}{level} — feedback sent to <@{learner_id}>"
    return f"Changes requested — sent to <@{learner_id}>"


def reviewed_card(payload: dict[str, Any], *, outcome: str, level_label: str, counts_as_evidence: bool) -> Message:
    """The reviewer card after the verdict: what it was about, the verdict, no buttons."""
    status = reviewed_status(outcome=outcome, level_label=level_label, learner_id=str(payload.get("learner_id")))
    blocks: list[Block] = [section(_subject(payload)), section(f"*{status}*")]
    if counts_as_evidence:
        blocks.append(context(f"Counts as evidence of *{escape(payload.get('skill_name')) or 'the skill'}*."))
    return Message(text=status, blocks=blocks)


def superseded_card(payload: dict[str, Any], *, newer_version: int) -> Message:
    text = f"{SUPERSEDED_TEXT} (version {newer_version}) — please review it from the newer card."
    return Message(text=text, blocks=[section(_subject(payload)), context(text)])


def reminder_done_card(payload: dict[str, Any], status: str) -> Message:
    text = f"Review of <@{payload.get('learner_id')}>'s *{_title(payload)}*: {status}"
    return Message(text=text, blocks=[context(text)])


# -- reminders -------------------------------------------------------------------------------------


def review_reminder(payload: dict[str, Any], ctx: RenderContext) -> Message:
    learner, title = f"<@{payload.get('learner_id')}>", _title(payload)
    due = _parse_time(payload.get("review_due_at"))
    when = local_when(due, ctx.tz) if due else "soon"
    if payload.get("stage") == "overdue":
        text = (f"The review of {learner}'s *{title}* is overdue — it was due {when}. "
                "Feedback while the work is fresh helps most; a few lines are enough.")
    else:
        text = f"Reminder: {learner} is waiting for your review of *{title}* — due {when}."
    value = review_button_value(int(payload.get("assignment_id") or 0), int(payload.get("version") or 1))
    snooze = snooze_select(ctx, payload)
    row = [button("Review", ids.REVIEW_OPEN, value, style="primary"), *([snooze] if snooze else [])]
    return Message(text=text, blocks=[section(text), ActionsBlock(elements=row)])


# -- the review modal ------------------------------------------------------------------------------


def _level_option(choice: LevelChoice) -> Option:
    return Option(value=str(choice.level), text=PlainTextObject(text=clip(f"{choice.level} · {choice.name}",
                                                                          OPTION_TEXT_MAX)),
                  description=PlainTextObject(text=clip(choice.descriptor, OPTION_TEXT_MAX))
                  if choice.descriptor else None)


def _rubric_texts(levels: Sequence[LevelChoice]) -> list[str]:
    lines = [f"*{c.level} · {escape(c.name)}*" + (f" — {escape(c.descriptor)}" if c.descriptor else "")
             for c in levels]
    return pack(["*Rubric*", *lines])


def review_modal(payload: dict[str, Any], levels: Sequence[LevelChoice], *, level: int | None = None) -> View:
    """Rubric level, feedback with the SBI guide beside it, the outcome, and the evidence box.

    The level radio dispatches an action: picking a level re-renders the modal with the evidence box
    ticked by default from level 3 (under a different block id, so Slack applies the new default).
    """
    metadata = json.dumps({"assignment_id": payload.get("assignment_id"), "version": payload.get("version")})
    options = [_level_option(c) for c in levels]
    chosen = next((o for o in options if level is not None and o.value == str(level)), None)
    skill = escape(payload.get("skill_name")) or "this skill"
    evidence_on = level is not None and level >= EVIDENCE_LEVEL
    evidence_option = Option(value=EVIDENCE_OPTION, text=PlainTextObject(text=clip(f"Counts as evidence of {skill}",
                                                                                   OPTION_TEXT_MAX)),
                             description=PlainTextObject(text="Only when you accept. Usually level 3 and up."))
    blocks: list[Block] = [section(_subject(payload))]
    blocks += _submission_blocks(payload)
    blocks += _sections(_rubric_texts(levels))
    blocks += [
        InputBlock(block_id=ids.REVIEW_LEVEL_BLOCK, label=PlainTextObject(text="Rubric level"), optional=True,
                   dispatch_action=True, hint=PlainTextObject(text="Required when you accept the work."),
                   element=RadioButtonsElement(action_id=ids.REVIEW_LEVEL, options=options, initial_option=chosen)),
        InputBlock(block_id=ids.REVIEW_FEEDBACK_BLOCK, label=PlainTextObject(text="Feedback"),
                   element=PlainTextInputElement(action_id=ids.REVIEW_FEEDBACK, multiline=True,
                                                 max_length=FEEDBACK_MAX,
                                                 placeholder="What did you see, and what effect did it have?")),
        context(SBI_GUIDE),
        InputBlock(block_id=ids.REVIEW_OUTCOME_BLOCK, label=PlainTextObject(text="Outcome"),
                   element=RadioButtonsElement(action_id=ids.REVIEW_OUTCOME, options=[
                       Option(value=ACCEPTED, text=PlainTextObject(text="Accept"),
                              description=PlainTextObject(text="Done: they get your feedback and the level.")),
                       Option(value=CHANGES_REQUESTED, text=PlainTextObject(text="Request changes"),
                              description=PlainTextObject(text="They improve it and submit again.")),
                   ])),
        InputBlock(block_id=EVIDENCE_BLOCK_ON if evidence_on else ids.REVIEW_EVIDENCE_BLOCK,
                   label=PlainTextObject(text="Evidence"), optional=True,
                   element=CheckboxesElement(action_id=ids.REVIEW_EVIDENCE, options=[evidence_option],
                                             initial_options=[evidence_option] if evidence_on else None)),
    ]
    return View(type="modal", callback_id=ids.REVIEW_MODAL, title=MODAL_TITLE, submit="Send review",
                close="Cancel", private_metadata=metadata, blocks=blocks)


# -- what the learner receives ---------------------------------------------------------------------


def feedback_message(*, assignment_id: int, reviewer_id: str, outcome: str, level: int | None, level_label: str,
                     feedback: str, skill_name: str = "", counts_as_evidence: bool = False,
                     confirmed_competency: str | None = None, title: str | None = None) -> Message:
    """The review, for the learner: in their assignment card's thread (``title`` None) or as its own DM."""
    about = f" of *{escape(title).replace('*', '')}*" if title else ""
    rated = f" — *{escape(level_label)}* ({level} of 4)" if level is not None else ""
    if outcome == ACCEPTED:
        head = f"<@{reviewer_id}> reviewed your work{about}{rated}."
    else:
        head = f"<@{reviewer_id}> asked for changes to your work{about}{rated}."
    blocks: list[Block] = [section(head), *_sections(_quote(feedback))]
    if outcome == ACCEPTED:
        notes = []
        if counts_as_evidence:
            notes.append(f"This counts as evidence of *{escape(skill_name) or 'the skill'}*.")
        if confirmed_competency:
            notes.append(f"🎉 That confirms your competency in *{escape(confirmed_competency)}*.")
        if notes:
            blocks.append(context(" ".join(notes)))
    else:
        blocks.append(section("Make the changes, then submit again — another round is part of practising."))
        blocks.append(actions(button("Submit again", ids.ASSIGNMENT_SUBMIT, str(assignment_id), style="primary")))
    fallback = head if outcome == ACCEPTED else f"{head} Submit again when you're ready."
    return Message(text=fallback, blocks=blocks)


def review_result(payload: dict[str, Any], ctx: RenderContext) -> Message:
    template = template_of(ctx.content, payload.get("template_id"))
    level = payload.get("level")
    skill_name = ""
    finder = getattr(ctx.content, "skill", None)
    if finder is not None and payload.get("skill_id"):
        try:
            skill_name = str(finder(str(payload["skill_id"])).name)
        except (LookupError, ValueError, AttributeError):
            skill_name = ""
    title = str(getattr(template, "title", "") or "your micro-assignment")
    return feedback_message(assignment_id=int(payload.get("assignment_id") or 0),
                            reviewer_id=str(payload.get("reviewer_id")), outcome=str(payload.get("outcome")),
                            level=level if isinstance(level, int) else None,
                            level_label=level_name(template, level if isinstance(level, int) else None),
                            feedback=str(payload.get("feedback") or ""), skill_name=skill_name,
                            counts_as_evidence=bool(payload.get("counts_as_evidence")), title=title)


def levels_for(content: Any, template_id: str | None) -> tuple[LevelChoice, ...]:
    return rubric(template_of(content, template_id))


RENDERERS: dict[str, Renderer] = {
    REVIEW_REQUEST: review_request_card,
    REVIEW_REMINDER: review_reminder,
    REVIEW_RESULT: review_result,
}
