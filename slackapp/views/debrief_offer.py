"""The peer-debrief offer (to the learner): the offer message, its cards, and the start modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextObject,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from slackapp import ids
from slackapp.domain import debriefs as domain
from slackapp.views.blocks import Message, actions, button, clip, context, section
from slackapp.views.debrief_text import (
    MODAL_TITLE,
    _about,
    _people,
    _question_count,
    _questions_text,
    _short,
    metadata,
    when,
)
from slackapp.views.deliveries import RenderContext

SUGGEST_OPTION = "suggest"
OFFER_DECLINED_TEXT = "No problem — no peer debrief this time."


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

