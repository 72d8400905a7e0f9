"""Peer debriefs: a learner asks 1–3 colleagues a short question set after an experience.

The flow (``docs/debriefs.md`` has the whole story and the UI text):

1. ``offer_debrief`` — after an accepted review (or a calendar moment with ``offer_debrief``) the
   learner gets an offer card (outbox kind ``debrief_offer``).
2. ``start_debrief`` — the learner picked peers (or let ``suggest_peers`` pick): one ``Debrief`` row
   (state ``collecting``, deadline now + 48 h), one ``DebriefPeer`` per peer, and per peer a prompt
   (``debrief_prompt``) now and one reminder (``debrief_reminder``) 12 hours before the deadline.
3. Peers answer (``submit_answers``), decline (``decline``) or say "not now" (``not_now``, the reminder
   stays). Answering or declining cancels that peer's reminder.
4. ``close_debrief`` — when every peer answered or declined, or at the deadline (the cron job
   ``workers.debrief_jobs.close_due_debriefs``): peers still invited become ``expired``, and the
   learner gets the summary (``debrief_summary``, one delivery per page) exactly once, followed by a
   small reflection prompt (``debrief_reflect``) whose button opens a private reflection.

Privacy: a peer's answers are stored encrypted with the vault (``DebriefPeer.encrypted_answers``,
one JSON object question id → text) and only the learner can read them (``read_answers``). The
summary is the one place they leave the encrypted store: its delivery payload holds them from the
close until the message is sent (the renderer has no vault), then ``ON_SENT`` scrubs them; a summary
that could not be sent is scrubbed by ``scrub_unsent_summaries`` (run by the close cron). Nothing
but counts ever goes into analytics, and nothing here logs answer text.

This module is the façade callers import (``from slackapp.domain import debriefs``); the code lives in:

- ``debrief_keys`` — outbox kinds and message keys; ``debrief_rules`` — limits, states, UI sentences;
- ``debrief_records`` — the rows every step reads (questions, peers, decrypted answers);
- ``debrief_offers`` — step 1; ``debrief_peers`` — suggestions and step 2;
- ``debrief_answers`` — step 3 and the peers' cards; ``debrief_closing`` — step 4, summary pages;
- ``debrief_reflections`` — the learner's reflection after the summary.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery
from slackapp.domain.debrief_answers import (
    PeerCard,
    clean_answers,
    decline,
    ensure_open_for_peer,
    not_now,
    own_peer_key,
    peer_cards,
    read_answers,
    remember_prompt_card,
    submit_answers,
)
from slackapp.domain.debrief_closing import (
    CloseResult,
    close_debrief,
    due_for_closing,
    paginate,
    record_summary_sent,
    scrub_unsent_summaries,
)
from slackapp.domain.debrief_keys import (
    KINDS,
    OFFER_KIND,
    PROMPT_KIND,
    REFLECT_KIND,
    REMINDER_KIND,
    SUMMARY_KIND,
    offer_key,
    parse_peer_key,
    parse_summary_key,
    prompt_key,
    reflect_key,
    reflection_prompt_key,
    reminder_key,
    summary_key,
)
from slackapp.domain.debrief_offers import (
    GENERAL_DEBRIEF_SET,
    MOMENT_DEBRIEF_SETS,
    debrief_for_offer,
    decline_offer,
    ensure_offer_open,
    offer_after_moment,
    offer_debrief,
    offer_declined,
    own_offer,
)
from slackapp.domain.debrief_peers import (
    check_peer_choice,
    recent_pairings,
    same_team,
    start_debrief,
    start_from_offer,
    suggest_peers,
)
from slackapp.domain.debrief_records import (
    GENERIC_QUESTIONS,
    GENERIC_TITLE,
    mark_interacted,
    peer_row,
    peers_of,
    question_snapshot,
    questions_of,
)
from slackapp.domain.debrief_reflections import (
    REFLECTION_QUESTIONS,
    ensure_reflection_open,
    own_reflect_card,
    reflection_state,
    save_reflection,
    skip_reflection,
)
from slackapp.domain.debrief_rules import (
    ALREADY_ANSWERED,
    ALREADY_DECLINED,
    ALREADY_DECLINED_OFFER,
    ALREADY_STARTED,
    ANSWERED,
    CLOSED,
    CLOSED_TEXT,
    COLLECTING,
    DEADLINE_HOURS,
    DECLINED,
    EMPTY_ANSWERS,
    EXPIRED,
    INVITED,
    MAX_ANSWER_CHARS,
    MAX_PEERS,
    MIN_PEERS,
    NO_SUGGESTIONS,
    NOT_A_PEER,
    NOT_YOURSELF,
    OFFER_VALID_FOR,
    PAGE_BLOCK_BUDGET,
    PAGE_CHAR_BUDGET,
    PICK_PEERS,
    RECENT_PAIRING,
    REMINDER_BEFORE_DEADLINE,
    TOO_MANY_PEERS,
)

# After the outbox sent a message (see ``slackapp.domain.sent_hooks``).
ON_SENT: dict[str, Callable[[Session, Delivery], None]] = {
    PROMPT_KIND: remember_prompt_card,
    SUMMARY_KIND: record_summary_sent,
}

__all__ = [
    "ALREADY_ANSWERED", "ALREADY_DECLINED", "ALREADY_DECLINED_OFFER", "ALREADY_STARTED", "ANSWERED", "CLOSED",
    "CLOSED_TEXT", "COLLECTING", "DEADLINE_HOURS", "DECLINED", "EMPTY_ANSWERS", "EXPIRED", "GENERAL_DEBRIEF_SET",
    "GENERIC_QUESTIONS", "GENERIC_TITLE", "INVITED", "KINDS", "MAX_ANSWER_CHARS", "MAX_PEERS", "MIN_PEERS",
    "MOMENT_DEBRIEF_SETS", "NOT_A_PEER", "NOT_YOURSELF", "NO_SUGGESTIONS", "OFFER_KIND", "OFFER_VALID_FOR",
    "ON_SENT", "PAGE_BLOCK_BUDGET", "PAGE_CHAR_BUDGET", "PICK_PEERS", "PROMPT_KIND", "RECENT_PAIRING",
    "REFLECTION_QUESTIONS", "REFLECT_KIND", "REMINDER_BEFORE_DEADLINE", "REMINDER_KIND", "SUMMARY_KIND",
    "TOO_MANY_PEERS", "CloseResult", "PeerCard", "check_peer_choice", "clean_answers", "close_debrief",
    "debrief_for_offer", "decline", "decline_offer", "due_for_closing", "ensure_offer_open",
    "ensure_open_for_peer", "ensure_reflection_open", "mark_interacted", "not_now", "offer_after_moment",
    "offer_debrief", "offer_declined", "offer_key", "own_offer", "own_peer_key", "own_reflect_card", "paginate",
    "parse_peer_key", "parse_summary_key", "peer_cards", "peer_row", "peers_of", "prompt_key", "question_snapshot",
    "questions_of", "read_answers", "recent_pairings", "reflect_key", "reflection_prompt_key", "reflection_state",
    "reminder_key", "same_team", "save_reflection", "scrub_unsent_summaries", "skip_reflection", "start_debrief",
    "start_from_offer", "submit_answers", "suggest_peers", "summary_key",
]
