"""The first-contact welcome DM and its answers."""

from __future__ import annotations

from slackapp import ids
from slackapp.views.blocks import Message, actions, button, context, section

WELCOME_TEXT = (
    "Hi! I'm *Flowcoach*. I help you grow as a leader in the flow of work: a short prep checklist before "
    "a 1:1 or a tough conversation, a reflection prompt after it, and small practice tasks your manager "
    "reviews quickly.\n\nI only message you inside your working hours, never during do-not-disturb, and "
    "you can pause or stop me at any time. *Would you like me to coach you?*"
)


def welcome_message() -> Message:
    return Message(
        text="Flowcoach would like to coach you — would you like that?",
        blocks=[
            section(WELCOME_TEXT),
            actions(button("Yes, coach me", ids.OPT_IN, "welcome", style="primary"),
                    button("Not now", ids.OPT_OUT, "welcome")),
            context("Nothing is sent to you proactively until you say yes. `/coach help` lists everything."),
        ],
    )


def welcome_answered(opted_in: bool) -> Message:
    if opted_in:
        text = ("You're in. :seedling: I'll keep nudges short and inside your working hours. "
                "Open my *Home* tab to see your progress, pause me, or change your settings.")
    else:
        text = ("No problem — I won't message you. If you change your mind, type `/coach start` "
                "or use the button on my *Home* tab.")
    return Message(text=text, blocks=[section(text)])
