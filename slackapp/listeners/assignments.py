"""Micro-assignments in Slack: `/coach assign`, `/coach practice`, `/coach assignments`, the message
shortcut "Turn into a micro-assignment", the learner's card buttons and every modal around them.

Modals validate in their ack (errors beside the fields, using the domain's ``check_*`` functions);
the change itself, the card update (``chat.update`` on the assignment's ``card_channel``/``card_ts``)
and the messages it causes run after the ack. A click on a used button refreshes the card and
answers "That's already done — …" (ephemeral).

Where the listeners live (this module re-exports them, and keeps ``BUTTONS`` and ``register``):

* ``assignment_assign`` — the assign modal: the subcommands and the shortcut that open it, its submission;
* ``assignment_card_buttons`` — the learner's card buttons;
* ``assignment_learner_modals`` — the decline / question / submit modals, submitted;
* ``assignment_changes`` — ``/coach assignments``, cancel and reassign;
* ``assignment_messages`` — the card updated in place (``refresh_learner_card``), thread replies, DMs;
* ``assignment_view_submissions`` — the checking ack and the after-ack change of every modal but assign;
* ``assignment_lookups`` — templates, names, zones and Slack profiles.
"""

from __future__ import annotations

from slack_bolt import App

from slackapp import ids
from slackapp.listeners.assignment_assign import (
    NO_TEAM,
    NO_TEMPLATES,
    USE_PRACTICE,
    _ack_assign,
    after_assign,
    assign_command,
    assign_form_changed,
    open_assign_modal,
    practice_command,
    shortcut_opened,
)
from slackapp.listeners.assignment_card_buttons import accept_clicked, decline_clicked, question_clicked, submit_clicked
from slackapp.listeners.assignment_changes import (
    REASSIGN_BLOCKS,
    _checks_with_admins,
    assignments_command,
    cancel_clicked,
    cancel_submitted,
    reassign_clicked,
    reassign_submitted,
)
from slackapp.listeners.assignment_learner_modals import (
    SUBMIT_BLOCKS,
    _check_decline,
    _check_question,
    _check_submit,
    decline_submitted,
    question_submitted,
    submit_submitted,
)
from slackapp.listeners.assignment_messages import REMINDED_STATES, refresh_learner_card
from slackapp.listeners.assignment_view_submissions import _ack_checked
from slackapp.listeners.lazy import after_ack, background
from slackapp.services import Services

__all__ = [
    "BUTTONS", "NO_TEAM", "NO_TEMPLATES", "REASSIGN_BLOCKS", "REMINDED_STATES", "SUBMIT_BLOCKS", "USE_PRACTICE",
    "accept_clicked", "after_assign", "assign_command", "assign_form_changed", "assignments_command",
    "cancel_clicked", "cancel_submitted", "decline_clicked", "decline_submitted", "open_assign_modal",
    "practice_command", "question_clicked", "question_submitted", "reassign_clicked", "reassign_submitted",
    "refresh_learner_card", "register", "shortcut_opened", "submit_clicked", "submit_submitted",
]

BUTTONS = (
    (ids.ASSIGNMENT_ACCEPT, accept_clicked),
    (ids.ASSIGNMENT_DECLINE, decline_clicked),
    (ids.ASSIGNMENT_QUESTION, question_clicked),
    (ids.ASSIGNMENT_SUBMIT, submit_clicked),
    (ids.ASSIGNMENT_CANCEL, cancel_clicked),
    (ids.ASSIGNMENT_REASSIGN, reassign_clicked),
    (ids.ASSIGN_LEARNER, assign_form_changed),
    (ids.ASSIGN_TEMPLATE, assign_form_changed),
)


def register(app: App, services: Services) -> None:
    app.message_shortcut(ids.SHORTCUT_MICRO_ASSIGNMENT)(background(shortcut_opened, services))
    for action_id, handler in BUTTONS:
        app.action(action_id)(background(handler, services))
    app.view(ids.ASSIGN_MODAL)(ack=_ack_assign(services), lazy=[after_ack(after_assign, services)])
    check_cancel, check_reassign = _checks_with_admins(services)
    modals = (
        (ids.DECLINE_MODAL, _check_decline, {"reason": ids.DECLINE_REASON_BLOCK}, ids.DECLINE_REASON_BLOCK,
         decline_submitted),
        (ids.QUESTION_MODAL, _check_question, {"question": ids.QUESTION_BLOCK}, ids.QUESTION_BLOCK,
         question_submitted),
        (ids.SUBMIT_MODAL, _check_submit, SUBMIT_BLOCKS, ids.SUBMIT_SUMMARY_BLOCK, submit_submitted),
        (ids.CANCEL_MODAL, check_cancel, {"reason": ids.CANCEL_REASON_BLOCK}, ids.CANCEL_REASON_BLOCK,
         cancel_submitted),
        (ids.REASSIGN_MODAL, check_reassign, REASSIGN_BLOCKS, ids.ASSIGN_DUE_BLOCK, reassign_submitted),
    )
    for callback_id, check, blocks, default_block, lazy in modals:
        app.view(callback_id)(ack=_ack_checked(check, services, blocks, default_block),
                              lazy=[after_ack(lazy, services)])
