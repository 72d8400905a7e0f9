"""The respect-my-time policy's vocabulary: kind families, limits and the reasons tests look for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

Outcome = Literal["send", "defer", "skip"]

# Tied to a meeting: timed by the meeting, never by working hours; not capped.
CALENDAR_KINDS = frozenset({"prep", "reflect"})
# Kinds that may reach someone who has not opted in: the one message that asks them to.
PRE_OPT_IN_KINDS = frozenset({"welcome"})
# Operational notes about Flowcoach itself: not capped, never backed off, not counted as nudges.
OPERATIONAL_KINDS = frozenset({"feed_failed", "backoff_note"})
# Allowed before opting in as long as the person has not said stop: they asked for calendar sync.
NO_OPT_IN_NEEDED_KINDS = frozenset({"feed_failed"})
# Messages another person's action asked for (an invitation, an assignment, a review, a peer's debrief
# request) or that keep a task the person accepted on track. They need no opt-in (declining coaching
# nudges must not silently drop a manager's assignment), are never capped or backed off, but wait for
# working hours, pauses, out-of-office and do-not-disturb like everything else.
TRANSACTIONAL_KINDS = frozenset({
    "team_invite", "team_update", "assignment_offer", "assignment_reminder", "assignment_update",
    "review_request", "review_reminder", "review_result", "debrief_offer", "debrief_prompt",
    "debrief_reminder", "debrief_summary", "debrief_reflect", "notice",
})
# Everything else (tips, tracks, …) is a capped non-calendar nudge.
UNCAPPED_KINDS = CALENDAR_KINDS | PRE_OPT_IN_KINDS | OPERATIONAL_KINDS | TRANSACTIONAL_KINDS
NOT_NUDGES = PRE_OPT_IN_KINDS | OPERATIONAL_KINDS | TRANSACTIONAL_KINDS

CAP_WINDOW = timedelta(days=7)
BACKOFF_AFTER = 3  # ignored nudges in a row
IGNORED_AFTER = timedelta(hours=24)  # a sent nudge with no interaction for this long was ignored
BACKOFF_FOR = timedelta(days=7)
BACKOFF_LOOKBACK = timedelta(days=30)  # older sends never count toward a streak
BACKED_OFF = f"backed off after {BACKOFF_AFTER} ignored nudges"
TOO_LATE = "too late: the moment has passed"

# What a deferral past ``not_after`` would have been too late for.
NOT_AFTER_TARGET = {"prep": "the meeting start", "reflect": "the end of the reflection window"}


def is_capped(kind: str) -> bool:
    return kind not in UNCAPPED_KINDS



def cap_frees_at(recent_sends: Sequence[datetime], cap: int) -> datetime | None:
    """When fewer than ``cap`` of ``recent_sends`` (the last 7 days) remain inside the window."""
    if len(recent_sends) < cap:
        return None
    ordered = sorted(recent_sends)
    return ordered[len(ordered) - cap] + CAP_WINDOW

