"""Which requests have a listener, known without running Bolt's matchers (for the ack front).

``RoutedApp`` is Bolt's ``App`` noting the ids each listener is registered for. A request the table
covers is acked at once and dispatched afterwards; one it cannot vouch for goes through Bolt first, so
Slack still gets Bolt's own answer (a 404 for something nobody listens to).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App


@dataclass
class Routes:
    action_ids: set[str] = field(default_factory=set)
    action_patterns: list[re.Pattern[str]] = field(default_factory=list)
    event_types: set[str] = field(default_factory=set)
    shortcuts: dict[str, set[str]] = field(default_factory=lambda: {"shortcut": set(), "message_action": set()})
    unindexed: set[str] = field(default_factory=set)  # kinds registered with a constraint this table can't index

    def add_action(self, constraint: Any) -> None:
        if isinstance(constraint, dict) and set(constraint) == {"action_id"}:
            constraint = constraint["action_id"]
        if isinstance(constraint, str):
            self.action_ids.add(constraint)
        elif isinstance(constraint, re.Pattern) and isinstance(constraint.pattern, str):
            self.action_patterns.append(constraint)
        else:
            self.unindexed.add("block_actions")

    def add_event(self, constraint: Any) -> None:
        if isinstance(constraint, str) and constraint != "message":  # message events are matched by subtype too
            self.event_types.add(constraint)
        else:
            self.unindexed.add("event_callback")

    def add_shortcut(self, constraint: Any, kinds: tuple[str, ...]) -> None:
        if not isinstance(constraint, str):
            self.unindexed.update(kinds)
            return
        for kind in kinds:
            self.shortcuts[kind].add(constraint)

    def has_listener(self, body: Mapping[str, Any]) -> bool:
        """True only when a listener is registered for this request's action, shortcut or event."""
        kind = body.get("type")
        if not isinstance(kind, str) or kind in self.unindexed:
            return False
        if kind == "block_actions":
            actions = body.get("actions") or [{}]
            action_id = actions[0].get("action_id") if isinstance(actions[0], dict) else None
            return isinstance(action_id, str) and (
                action_id in self.action_ids or any(p.match(action_id) for p in self.action_patterns))
        if kind in self.shortcuts:
            return body.get("callback_id") in self.shortcuts[kind]
        if kind == "event_callback":
            event = body.get("event")
            return isinstance(event, dict) and event.get("type") in self.event_types
        return False


class RoutedApp(App):
    """Bolt's App; each registration also lands in ``self.routes``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.routes = Routes()

    def action(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self.routes.add_action(constraints)
        return super().action(constraints, *args, **kwargs)

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        self.routes.add_event(event)
        return super().event(event, *args, **kwargs)

    def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self.routes.add_shortcut(constraints, ("shortcut", "message_action"))
        return super().shortcut(constraints, *args, **kwargs)

    def global_shortcut(self, callback_id: Any, *args: Any, **kwargs: Any) -> Any:
        self.routes.add_shortcut(callback_id, ("shortcut",))
        return super().global_shortcut(callback_id, *args, **kwargs)

    def message_shortcut(self, callback_id: Any, *args: Any, **kwargs: Any) -> Any:
        self.routes.add_shortcut(callback_id, ("message_action",))
        return super().message_shortcut(callback_id, *args, **kwargs)

    def block_action(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self.routes.add_action(constraints)
        return super().block_action(constraints, *args, **kwargs)
