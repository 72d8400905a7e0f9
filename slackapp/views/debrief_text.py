"""Small helpers of the peer-debrief views: escaping, names, times, questions and modal metadata."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slackapp import ids
from slackapp.clock import parse_timestamp
from slackapp.domain import debriefs as domain
from slackapp.views.blocks import clip
from slackapp.views.deliveries import RenderContext

MODAL_TITLE = "Peer debrief"
ANSWER_BLOCK_PREFIX = f"{ids.DEBRIEF_ANSWER_MODAL}.q."
ANSWER_ACTION_PREFIX = f"{ids.DEBRIEF_ANSWER_MODAL}.a."
MAX_PRIVATE_METADATA = 3000


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
    deadline = parse_timestamp(payload.get("deadline"))
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
