"""Peer debriefs in the outbox: the delivery kinds and the idempotency keys of every message.

One key per message, so scheduling twice is a no-op: the learner's offer card, each peer's prompt and
reminder, the learner's summary (one key per page) and the reflection prompt after it. The parsers turn
a clicked card's key back into the debrief (and peer) it is about.
"""

from __future__ import annotations

OFFER_KIND = "debrief_offer"
PROMPT_KIND = "debrief_prompt"
REMINDER_KIND = "debrief_reminder"
SUMMARY_KIND = "debrief_summary"
REFLECT_KIND = "debrief_reflect"
KINDS = (OFFER_KIND, PROMPT_KIND, REMINDER_KIND, SUMMARY_KIND, REFLECT_KIND)


def offer_key(team_id: str, learner_id: str, *, assignment_id: int | None, occurrence_id: int | None) -> str:
    if assignment_id is None and occurrence_id is None:
        raise ValueError("a debrief offer is about an assignment or a calendar occurrence")
    subject = str(assignment_id) if assignment_id is not None else f"occ{occurrence_id}"
    return f"debrief-offer:{team_id}:{learner_id}:{subject}"


def prompt_key(debrief_id: int, peer_id: str) -> str:
    return f"debrief-prompt:{debrief_id}:{peer_id}"


def reminder_key(debrief_id: int, peer_id: str) -> str:
    return f"debrief-reminder:{debrief_id}:{peer_id}"


def summary_key(debrief_id: int, page: int = 1) -> str:
    return f"debrief-summary:{debrief_id}" if page == 1 else f"debrief-summary:{debrief_id}:{page}"


def reflect_key(debrief_id: int) -> str:
    return f"debrief-reflect:{debrief_id}"


def reflection_prompt_key(debrief_id: int) -> str:
    """The ``Reflection.prompt_key`` of the learner's reflection on a debrief (one per debrief)."""
    return f"debrief:{debrief_id}"


def parse_peer_key(key: str) -> tuple[int, str] | None:
    """(debrief id, peer id) from a prompt or reminder key, else None."""
    kind, _, rest = key.partition(":")
    if kind not in ("debrief-prompt", "debrief-reminder"):
        return None
    debrief_id, _, peer_id = rest.partition(":")
    return (int(debrief_id), peer_id) if debrief_id.isdigit() and peer_id else None


def parse_summary_key(key: str) -> int | None:
    """The debrief id of a summary page's key (or of the reflection prompt's key), else None."""
    kind, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind in ("debrief-summary", "debrief-reflect") and number.isdigit() else None
