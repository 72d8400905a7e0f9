"""After the outbox sends a message, some kinds remember it (e.g. a card's ts, to update it in place).

Each feature's domain module exports ``ON_SENT: dict[kind, hook]``; the delivery job calls ``on_sent``
in the same transaction that marks the delivery sent.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from slackapp.db.models import Delivery

Hook = Callable[[Session, Delivery], None]


def _hooks() -> dict[str, Hook]:
    from slackapp.domain import assignments, debriefs, reviews, team

    merged: dict[str, Hook] = {}
    for module in (team, assignments, reviews, debriefs):
        merged.update(module.ON_SENT)
    return merged


def on_sent(session: Session, delivery: Delivery) -> None:
    hook = _hooks().get(delivery.kind)
    if hook is not None:
        hook(session, delivery)
