"""Buttons and modals of peer debriefs (docs/debriefs.md).

Every button carries the key of the delivery it sits on, and the key says which card it is:
``debrief-offer:…`` (the learner's offer), ``debrief-prompt:…`` / ``debrief-reminder:…`` (a peer's
cards), ``debrief-reflect:…`` (the learner's reflection prompt). So one action id serves each verb:

=================  ==========================  =========================  =======================
action             offer                       prompt / reminder          reflection prompt
=================  ==========================  =========================  =======================
DEBRIEF_START      open the start modal        —                          —
DEBRIEF_ANSWER     —                           open the answer modal      open the reflection modal
DEBRIEF_NOT_NOW    —                           "I'll remind you once"     —
DEBRIEF_DECLINE    "No thanks"                 decline                    "No thanks"
=================  ==========================  =========================  =======================

The two modals decide in their ack (request thread), so a refusal shows beside the field: the
start modal checks the choice (and asks Slack whether the people are bots or deactivated) and starts
the debrief, the answer modal stores the encrypted answers. Only after an accepted submission does
the lazy half update the cards in place (from what the database says) and kick the dispatcher so
the prompts or the summary go out at once.

Where the listeners live (this module re-exports them, and keeps ``HANDLERS`` and ``register``):

* ``debrief_start`` — the offer's "Get peer input" and the start modal;
* ``debrief_buttons`` — a peer's answer / not now / decline buttons, and "No thanks" on the learner's cards;
* ``debrief_answers`` — the answer modal (a peer's answers, or the learner's reflection);
* ``debrief_card_updates`` — the card kinds a key names, lookups, and cards updated in place.
"""

from __future__ import annotations

import logging

from slack_bolt import App

from slackapp import ids
from slackapp.listeners.debrief_answers import _ack_answer, after_debrief_answer
from slackapp.listeners.debrief_buttons import debrief_answer, debrief_decline, debrief_not_now
from slackapp.listeners.debrief_card_updates import ACCEPTED, GONE, OFFER, PROMPT, REFLECT, REMINDER
from slackapp.listeners.debrief_start import MISSING_USER_ERRORS, _ack_start, after_debrief_start, debrief_start
from slackapp.listeners.lazy import ack_only, after_ack
from slackapp.services import Services

__all__ = [
    "ACCEPTED", "GONE", "HANDLERS", "MISSING_USER_ERRORS", "OFFER", "PROMPT", "REFLECT", "REMINDER",
    "after_debrief_answer", "after_debrief_start", "debrief_answer", "debrief_decline", "debrief_not_now",
    "debrief_start", "register",
]

logger = logging.getLogger(__name__)

HANDLERS = (
    (ids.DEBRIEF_START, debrief_start),
    (ids.DEBRIEF_ANSWER, debrief_answer),
    (ids.DEBRIEF_NOT_NOW, debrief_not_now),
    (ids.DEBRIEF_DECLINE, debrief_decline),
)


def register(app: App, services: Services) -> None:
    for action_id, handler in HANDLERS:
        app.action(action_id)(ack=ack_only, lazy=[after_ack(handler, services)])
    app.view(ids.DEBRIEF_MODAL)(ack=_ack_start(services), lazy=[after_ack(after_debrief_start, services)])
    app.view(ids.DEBRIEF_ANSWER_MODAL)(ack=_ack_answer(services), lazy=[after_ack(after_debrief_answer, services)])
