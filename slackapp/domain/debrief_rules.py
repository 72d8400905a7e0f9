"""Peer debriefs: the limits and timings of the flow, the states of a debrief and of its peers, and
the sentences people see when something can't be done (``docs/debriefs.md`` has the UI text)."""

from __future__ import annotations

from datetime import timedelta

MIN_PEERS, MAX_PEERS = 1, 3
DEADLINE_HOURS = 48
REMINDER_BEFORE_DEADLINE = timedelta(hours=12)
OFFER_VALID_FOR = timedelta(days=7)  # an offer card not delivered by then is dropped (policy: not_after)
RECENT_PAIRING = timedelta(days=60)  # suggestions avoid people paired with the learner this recently
MAX_ANSWER_CHARS = 1500  # per answer: short answers, and one answer always fits one 3,000-char section
# Summary pagination: what one message may hold (Slack allows 50 blocks; the frame takes the rest).
PAGE_BLOCK_BUDGET = 40
PAGE_CHAR_BUDGET = 12_000

# Peer states
INVITED, ANSWERED, DECLINED, EXPIRED = "invited", "answered", "declined", "expired"
COLLECTING, CLOSED = "collecting", "closed"

NO_SUGGESTIONS = ("I couldn't find peers outside your team who practise this yet — "
                  "pick up to three people yourself.")
PICK_PEERS = "Pick one to three people — or tick “Suggest peers for me”."
TOO_MANY_PEERS = "Pick at most three people."
NOT_YOURSELF = "You can't ask yourself — pick a colleague."
EMPTY_ANSWERS = "Write at least one answer — or close this window and answer later."
CLOSED_TEXT = "This debrief has closed."
ALREADY_STARTED = "That's already done — you've asked for peer input on this one."
ALREADY_DECLINED_OFFER = "That's already done — you said no thanks to this debrief."
ALREADY_ANSWERED = "That's already done — your answers went to the person who asked."
ALREADY_DECLINED = "That's already done — you declined this debrief."
NOT_A_PEER = "That debrief belongs to someone else."
