"""The reviewer's Review button, the review modal (level radio and submission), and what follows a verdict.

- ``REVIEW_OPEN`` (reviewer card and reminders; value ``"<assignment_id>:<version>"``): only the
  assignment's reviewer or an admin; a stale card (reviewed, replaced) is brought up to date in place and
  answers "That's already done".
- ``REVIEW_LEVEL`` (radio in the modal, ``dispatch_action``): re-renders the modal with the evidence box
  ticked by default from level 3.
- ``REVIEW_MODAL`` submission: the ack (request thread) refuses with field errors — no feedback, no level
  when accepting, not the reviewer, already reviewed; the lazy part stores the verdict, then:

  * schedules the feedback through the outbox (``review_result``): a reply under the learner's assignment
    card, or its own DM when the card is unknown, sent when the respect-my-time policy allows;
  * updates the reviewer card and any sent reminders in place (no stale Review buttons);
  * re-renders the learner's card in place (``refresh_learner_card`` from the assignments listeners).

Where the listeners live (this module re-exports them, and keeps ``register``):

* ``review_button`` — the Review button (``open_review``) and the modal's level radio (``level_picked``);
* ``review_modal_submission`` — the checking ack, ``save_review`` and the ``Verdict`` it acts on;
* ``review_card_updates`` — reviewer cards updated in place (``CardUpdate``, ``supersede_previous_card``).
"""

from __future__ import annotations

import logging

from slack_bolt import App

from slackapp import ids
from slackapp.listeners.lazy import ack_only, after_ack
from slackapp.listeners.review_button import level_picked, open_review
from slackapp.listeners.review_card_updates import CardUpdate, supersede_previous_card
from slackapp.listeners.review_modal_submission import Verdict, _ack_review, save_review
from slackapp.services import Services

__all__ = ["CardUpdate", "Verdict", "level_picked", "open_review", "register", "save_review", "supersede_previous_card"]

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    app.action(ids.REVIEW_OPEN)(ack=ack_only, lazy=[after_ack(open_review, services)])
    app.action(ids.REVIEW_LEVEL)(ack=ack_only, lazy=[after_ack(level_picked, services)])
    app.view(ids.REVIEW_MODAL)(ack=_ack_review(services), lazy=[after_ack(save_review, services)])
