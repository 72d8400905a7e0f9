"""Messages and modals for peer debriefs (pure Block Kit; see docs/debriefs.md for the flow).

Every button carries the key of the delivery it sits on (offer, prompt, reminder or reflection
card); the listener finds the debrief from the key. The modals carry the same key in
``private_metadata``. Delivery payloads (scheduled by ``slackapp.domain.debriefs``):

* ``debrief_offer``: question_set_id, assignment_id, occurrence_id, competency_id, about, not_after
* ``debrief_prompt``: debrief_id, learner_id, about, deadline, not_after, questions [{id, text, hint, required}]
* ``debrief_reminder``: debrief_id, learner_id, about, deadline, not_after
* ``debrief_summary``: debrief_id, about, answered, declined, expired (peer ids), page, pages,
  sections [{question, answers [{peer_id, text}]}] (removed once sent)
* ``debrief_reflect``: debrief_id, about, answered (a count)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
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
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain import debriefs as domain
from slackapp.views.blocks import (
    MAX_MESSAGE_BLOCKS,
    Message,
    actions,
    answers_by_block_prefix,
    button,
    clip,
    context,
    divider,
    first_block_id_with_prefix,
    header,
    section,
)
from slackapp.views.deliveries import RenderContext, Renderer
from slackapp.views.nudges import snooze_select

MODAL_TITLE = "Peer debrief"
REFLECTION_TITLE = "Reflection"
SUGGEST_OPTION = "suggest"
ANSWER_BLOCK_PREFIX = f"{ids.DEBRIEF_ANSWER_MODAL}.q."
ANSWER_ACTION_PREFIX = f"{ids.DEBRIEF_ANSWER_MODAL}.a."
MAX_PRIVATE_METADATA = 3000

OFFER_DECLINED_TEXT = "No problem — no peer debrief this time."
NOT_NOW_TEXT = "OK — I'll remind you once before the deadline."
CLOSED_TEXT = domain.CLOSED_TEXT
PRIVATE_ANSWERS = "Only you can see these answers."
REFLECT_INVITE = "Want to note what you take from this? Two minutes of private reflection helps it stick."
REFLECTION_SAVED = "Saved privately. ✔"
REFLECTION_SKIPPED = "No problem — no reflection this time."
REFLECTION_PRIVATE = "Private: only you can read your reflections."


# -- small helpers ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Untrusted text (meeting titles, answers) shown in mrkdwn: no mentions or links sneak in."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _about(payload: dict[str, Any]) -> str:
    about = escape(clip(str(payload.get("about") or "").replace("*", "").strip(), 200))
    return f"*{about}*" if about else "something you did recently"


def _mention(user_id: Any) -> str:
    return f"<@{user_id}>"


def _people(user_ids: Sequence[Any]) -> str:
    names = [_mention(u) for u in user_ids]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def when(moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    """"at 10:00", "tomorrow at 10:00" or "on Wed 25 Nov at 10:00", in the reader's zone."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        return f"at {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {local:%H:%M}"
    return f"on {local:%a %d %b} at {local:%H:%M}"


def by_when(moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    """"10:00 today", "10:00 tomorrow" or "Wed 25 Nov, 10:00", in the reader's zone (after "by")."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        return f"{local:%H:%M} today"
    if local.date() == today + timedelta(days=1):
        return f"{local:%H:%M} tomorrow"
    return f"{local:%a %d %b}, {local:%H:%M}"


def _by_deadline(payload: dict[str, Any], ctx: RenderContext) -> str:
    deadline = _parse_time(payload.get("deadline"))
    return by_when(deadline, ctx.tz, ctx.now) if deadline else "the deadline"


def _question_count(content: Any, question_set_id: Any) -> int:
    finder = getattr(content, "question_set", None)
    try:
        question_set = finder(str(question_set_id)) if finder and question_set_id else None
    except (LookupError, ValueError):
        question_set = None
    return len(domain.question_snapshot(question_set))


def _questions_text(questions: Sequence[dict[str, Any]]) -> str:
    lines = [f"{n}. {escape(str(q.get('text') or ''))}" for n, q in enumerate(questions, start=1)]
    return "*The questions*\n" + "\n".join(lines)


def _short(n: int) -> str:
    return "one short question" if n == 1 else f"{n} short questions"


def metadata(key: str) -> str:
    data = json.dumps({"key": key})
    if len(data) > MAX_PRIVATE_METADATA:
        raise ValueError("modal metadata must fit Slack's 3,000 characters")
    return data


def metadata_key(view: dict[str, Any]) -> str:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return ""
    return str(data.get("key") or "") if isinstance(data, dict) else ""


# -- the offer (to the learner) --------------------------------------------------------------------


def offer_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    count = _question_count(ctx.content, payload.get("question_set_id"))
    text = (f"Want a few colleagues' perspective on {_about(payload)}? Pick up to three people — or let me "
            f"suggest some from outside your team — and I'll ask them {_short(count)}. "
            "Their answers come to you only.")
    return Message(text="Want a few colleagues' perspective? Ask up to three peers for a short debrief.",
                   blocks=[section(text), actions(
                       button("Get peer input", ids.DEBRIEF_START, ctx.delivery_key, style="primary"),
                       button("No thanks", ids.DEBRIEF_DECLINE, ctx.delivery_key))])


def offer_started_card(payload: dict[str, Any], *, peer_ids: Sequence[str], deadline: datetime, tz: ZoneInfo,
                       now: datetime) -> Message:
    text = (f"You asked {_people(peer_ids)} for their perspective on {_about(payload)}. I'll send you their "
            f"answers when everyone has answered, or {when(deadline, tz, now)} at the latest.")
    return Message(text=f"You asked {len(peer_ids)} colleague(s) for a debrief.", blocks=[section(text)])


def offer_declined_card() -> Message:
    return Message(text=OFFER_DECLINED_TEXT, blocks=[section(OFFER_DECLINED_TEXT)])


def start_modal(*, offer_key: str, payload: dict[str, Any], questions: Sequence[dict[str, Any]]) -> View:
    intro = (f"Who should I ask about {_about(payload)}? Up to three colleagues; each gets "
             f"{_short(len(questions))} and {domain.DEADLINE_HOURS} hours to answer. Their answers come to you only.")
    blocks: list[Block] = [
        section(intro),
        InputBlock(block_id=ids.DEBRIEF_PEERS_BLOCK, label=PlainTextObject(text="Peers"), optional=True,
                   hint=PlainTextObject(text="Anyone you like, except yourself — people who saw you in action "
                                             "give the most useful answers."),
                   element=UserMultiSelectElement(action_id=ids.DEBRIEF_PEERS, max_selected_items=domain.MAX_PEERS,
                                                  placeholder=PlainTextObject(text="Pick up to three people"))),
        InputBlock(block_id=ids.DEBRIEF_SUGGEST, label=PlainTextObject(text="Or let me choose"), optional=True,
                   element=CheckboxesElement(action_id=ids.DEBRIEF_SUGGEST, options=[Option(
                       value=SUGGEST_OPTION, text=PlainTextObject(text="Suggest peers for me"),
                       description=PlainTextObject(text="People outside your team who practise this too"))])),
        context(clip(_questions_text(questions).replace("*The questions*", "*They'll be asked*"), 2000)),
    ]
    return View(type="modal", callback_id=ids.DEBRIEF_MODAL, title=MODAL_TITLE, submit="Ask them",
                close="Cancel", private_metadata=metadata(offer_key), blocks=blocks)


def start_choice(view: dict[str, Any]) -> tuple[list[str], bool]:
    """(picked user ids, whether "Suggest peers for me" is ticked) from a submitted start modal."""
    values = ((view.get("state") or {}).get("values")) or {}
    picked = ((values.get(ids.DEBRIEF_PEERS_BLOCK) or {}).get(ids.DEBRIEF_PEERS) or {}).get("selected_users") or []
    ticked = ((values.get(ids.DEBRIEF_SUGGEST) or {}).get(ids.DEBRIEF_SUGGEST) or {}).get("selected_options") or []
    return [str(u) for u in picked], any(o.get("value") == SUGGEST_OPTION for o in ticked)


# -- the prompt and the reminder (to a peer) -------------------------------------------------------


def _prompt_blocks(payload: dict[str, Any], ctx: RenderContext, questions: Sequence[dict[str, Any]]) -> list[Block]:
    learner = _mention(payload.get("learner_id"))
    intro = (f"{learner} would value your perspective on {_about(payload)}. {_short(len(questions)).capitalize()} "
             f"— a few sentences each is plenty. Your answers go to {learner} only.")
    return [section(intro), section(_questions_text(questions)),
            context(f"Please answer by {_by_deadline(payload, ctx)}.")]


def prompt_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    questions = payload.get("questions") or domain.question_snapshot(None)
    key = ctx.delivery_key
    return Message(text=f"<@{payload.get('learner_id')}> asked for your perspective — {_short(len(questions))}.",
                   blocks=[*_prompt_blocks(payload, ctx, questions), actions(
                       button("Answer", ids.DEBRIEF_ANSWER, key, style="primary"),
                       button("Not now", ids.DEBRIEF_NOT_NOW, key),
                       button("Decline", ids.DEBRIEF_DECLINE, key))])


def not_now_card(payload: dict[str, Any], ctx: RenderContext, *, reminder_at: datetime | None) -> Message:
    """The prompt again, with the buttons that still make sense and what happens next."""
    questions = payload.get("questions") or domain.question_snapshot(None)
    note = NOT_NOW_TEXT if reminder_at is not None else (
        f"OK — you can still answer here until {_by_deadline(payload, ctx)}.")
    blocks = _prompt_blocks(payload, ctx, questions)
    blocks[-1] = context(note)
    return Message(text=note, blocks=[*blocks, actions(
        button("Answer", ids.DEBRIEF_ANSWER, ctx.delivery_key, style="primary"),
        button("Decline", ids.DEBRIEF_DECLINE, ctx.delivery_key))])


def reminder_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    learner = _mention(payload.get("learner_id"))
    text = (f"A reminder: {learner} would still value your perspective on {_about(payload)}. "
            f"Please answer by {_by_deadline(payload, ctx)}.")
    snooze = snooze_select(ctx, payload)
    row = [button("Answer", ids.DEBRIEF_ANSWER, ctx.delivery_key, style="primary"),
           button("Decline", ids.DEBRIEF_DECLINE, ctx.delivery_key), *([snooze] if snooze else [])]
    return Message(text=f"A reminder: {learner} would still value your perspective.",
                   blocks=[section(text), ActionsBlock(elements=row)])


def answered_card(learner_id: str) -> Message:
    text = f"Thanks — your answers went to {_mention(learner_id)} only."
    return Message(text=text, blocks=[section(text)])


def declined_card(learner_id: str) -> Message:
    text = f"No problem — thanks for letting me know. {_mention(learner_id)} will only see that you couldn't this time."
    return Message(text=text, blocks=[section(text)])


def closed_card(payload: dict[str, Any]) -> Message:
    return Message(text=CLOSED_TEXT, blocks=[
        section(CLOSED_TEXT),
        context(f"{_mention(payload.get('learner_id'))} had asked for your perspective on {_about(payload)}.")])


def answer_modal(*, key: str, payload: dict[str, Any], questions: Sequence[dict[str, Any]]) -> View:
    blocks: list[Block] = [context(f"For {_mention(payload.get('learner_id'))} only — about {_about(payload)}.")]
    for question in questions:
        hint = str(question.get("hint") or "")
        blocks.append(InputBlock(
            block_id=f"{ANSWER_BLOCK_PREFIX}{question['id']}",
            label=PlainTextObject(text=clip(str(question.get("text") or question["id"]), 2000)),
            hint=PlainTextObject(text=clip(hint, 2000)) if hint else None,
            optional=not bool(question.get("required")),
            element=PlainTextInputElement(action_id=f"{ANSWER_ACTION_PREFIX}{question['id']}", multiline=True,
                                          max_length=domain.MAX_ANSWER_CHARS)))
    return View(type="modal", callback_id=ids.DEBRIEF_ANSWER_MODAL, title=MODAL_TITLE, submit="Send",
                close="Later", private_metadata=metadata(key), blocks=blocks)


def answers_of(view: dict[str, Any]) -> dict[str, str]:
    """question id → typed answer (possibly empty) from a submitted answer or reflection modal."""
    return answers_by_block_prefix(view, ANSWER_BLOCK_PREFIX)


def first_answer_block(view: dict[str, Any]) -> str:
    return first_block_id_with_prefix(view, ANSWER_BLOCK_PREFIX, ANSWER_BLOCK_PREFIX + "answer")


# -- the summary and the reflection prompt (to the learner) ----------------------------------------


def _answer_text(answer: dict[str, Any]) -> str:
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in escape(str(answer.get("text") or ""))
                       .splitlines())
    return f"{_mention(answer.get('peer_id'))}\n{quoted}"


def summary_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    """One page of the summary: the answers grouped by question and attributed, plus (on page 1)
    who answered and who didn't. ``domain.paginate`` keeps every page within one message."""
    answered, declined, expired = (list(payload.get(k) or []) for k in ("answered", "declined", "expired"))
    total = len(answered) + len(declined) + len(expired)
    page, pages = int(payload.get("page") or 1), int(payload.get("pages") or 1)
    headline = f"{len(answered)} of {total} colleague{'s' if total != 1 else ''} answered"
    blocks: list[Block] = []
    if page == 1:
        blocks.append(header("Your peer debrief"))
        blocks.append(section(f"About {_about(payload)}: {headline}."))
        missing = []
        if expired:
            missing.append(f"{_people(expired)} didn't answer before the deadline.")
        if declined:
            missing.append(f"{_people(declined)} declined this time.")
        if missing:
            blocks.append(context(" ".join(missing)))
    else:
        blocks.append(header(f"Your peer debrief (page {page} of {pages})"))
    if "sections" not in payload:  # re-rendered after the answers left the outbox
        blocks.append(context("The answers are in the message Flowcoach sent you earlier."))
    elif not answered and page == 1:
        blocks.append(section("Nobody answered this time — that happens. "
                              "Your own reflection is still worth two minutes."))
    else:
        for item in payload.get("sections") or []:
            blocks.append(divider())
            blocks.append(section(f"*{escape(str(item.get('question') or ''))}*"))
            given = list(item.get("answers") or [])
            blocks.extend(section(_answer_text(a)) for a in given)
            if not given:
                blocks.append(context("No answers to this question."))
    if page == pages:
        blocks.append(context(PRIVATE_ANSWERS))
    if len(blocks) > MAX_MESSAGE_BLOCKS:  # domain.paginate's budget makes this unreachable
        raise ValueError("a summary page must fit one message; paginate in the domain")
    suffix = f" (page {page} of {pages})" if pages > 1 else ""
    return Message(text=f"Your peer debrief is in: {headline}.{suffix}", blocks=blocks)


def reflect_message(payload: dict[str, Any], ctx: RenderContext) -> Message:
    return Message(text=REFLECT_INVITE, blocks=[section(REFLECT_INVITE), actions(
        button("Reflect on this", ids.DEBRIEF_ANSWER, ctx.delivery_key, style="primary"),
        button("No thanks", ids.DEBRIEF_DECLINE, ctx.delivery_key))])


def reflect_done_card(state: str) -> Message:
    text = REFLECTION_SAVED if state == "saved" else REFLECTION_SKIPPED
    return Message(text=text, blocks=[section(text)])


def reflection_modal(*, key: str, payload: dict[str, Any]) -> View:
    blocks: list[Block] = [context(f"Your reflection on the peer debrief about {_about(payload)}.")]
    for question in domain.REFLECTION_QUESTIONS:
        blocks.append(InputBlock(
            block_id=f"{ANSWER_BLOCK_PREFIX}{question.id}", label=PlainTextObject(text=question.text),
            optional=True, element=PlainTextInputElement(action_id=f"{ANSWER_ACTION_PREFIX}{question.id}",
                                                         multiline=True, max_length=3000)))
    blocks.append(context(REFLECTION_PRIVATE))
    return View(type="modal", callback_id=ids.DEBRIEF_ANSWER_MODAL, title=REFLECTION_TITLE, submit="Save",
                close="Not now", private_metadata=metadata(key), blocks=blocks)


RENDERERS: dict[str, Renderer] = {
    domain.OFFER_KIND: offer_message,
    domain.PROMPT_KIND: prompt_message,
    domain.REMINDER_KIND: reminder_message,
    domain.SUMMARY_KIND: summary_message,
    domain.REFLECT_KIND: reflect_message,
}
