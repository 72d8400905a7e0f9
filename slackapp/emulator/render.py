"""Block Kit as plain text, for the demo transcript and readable test failures."""

from __future__ import annotations

import re
from typing import Any


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _mrkdwn(text: str) -> str:
    return re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)


def render_element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'))}]"
    if kind in ("static_select", "external_select", "users_select", "multi_users_select", "datepicker",
                "timepicker", "plain_text_input", "radio_buttons", "checkboxes", "overflow"):
        label = _text(element.get("placeholder")) or kind
        return f"<{label}>"
    return _text(element)


def render_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'))} ==")
        elif kind == "section":
            lines.extend(_mrkdwn(_text(block.get("text"))).splitlines() or [""])
            lines.extend(f"  • {_text(f)}" for f in block.get("fields") or [])
            if block.get("accessory"):
                lines.append("  " + render_element(block["accessory"]))
        elif kind == "context":
            lines.append("  (" + " ".join(_mrkdwn(_text(e)) for e in block.get("elements") or []) + ")")
        elif kind == "actions":
            lines.append("  " + " ".join(render_element(e) for e in block.get("elements") or []))
        elif kind == "divider":
            lines.append("  ----")
        elif kind == "input":
            lines.append(f"  {_text(block.get('label'))}: {render_element(block.get('element') or {})}")
        else:
            lines.append(f"  <{kind} block>")
    return lines


def render_message(message: dict[str, Any]) -> str:
    blocks = message.get("blocks")
    return "\n".join(render_blocks(blocks)) if blocks else str(message.get("text", ""))


def render_view(view: dict[str, Any]) -> str:
    title = _text(view.get("title")) or view.get("type", "view")
    return "\n".join([f"[{title}]", *render_blocks(view.get("blocks") or [])])
