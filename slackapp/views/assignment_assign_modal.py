"""The assign modal (``/coach assign``, ``/coach practice``, the message shortcut): micro-assignment
templates grouped by competency, due date, context note and reviewer; and reading it back."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain.assignment_checks import NOTE_MAX
from slackapp.views.assignment_modal_values import (
    MAX_PRIVATE_METADATA,
    date_value,
    option_value,
    read_metadata,
    text_value,
    user_value,
)
from slackapp.views.assignment_text import when
from slackapp.views.blocks import clip, context, section

MAX_OPTIONS = 100  # a static select: 100 options in all, in at most 100 groups
NOTE_PREFILL_MAX = 300
RECOMMENDED_LABEL = "Recommended for you"


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

