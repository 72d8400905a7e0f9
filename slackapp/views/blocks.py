"""Small helpers over slack_sdk.models so builders read like the message they make."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000


def clip(text: str, limit: int) -> str:
    """Shorten visibly (with an ellipsis) rather than letting Slack reject the payload."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, 150)))


def section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION_TEXT)), block_id=block_id)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, 2000))])


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> ButtonElement:
    return ButtonElement(text=PlainTextObject(text=clip(text, 75)), action_id=action_id, value=value or None,
                         style=style)


def actions(*elements: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements), block_id=block_id)


@dataclass(frozen=True)
class Message:
    """A chat message: fallback text (for notifications and screen readers) plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.text:
            raise ValueError("every message needs fallback text")
        if len(self.blocks) > MAX_MESSAGE_BLOCKS:
            raise ValueError(f"a message holds at most {MAX_MESSAGE_BLOCKS} blocks; paginate")

    def to_kwargs(self) -> dict[str, Any]:
        return {"text": clip(self.text, 3000), "blocks": [b.to_dict() for b in self.blocks]}


def answers_by_block_prefix(view: dict[str, Any], prefix: str) -> dict[str, str]:
    """From a submitted modal: ``{id: typed text}`` for every input block whose id is ``prefix + id``."""
    values = ((view.get("state") or {}).get("values")) or {}
    answers: dict[str, str] = {}
    for block_id, fields in values.items():
        if block_id.startswith(prefix) and isinstance(fields, dict):
            for state in fields.values():
                answers[block_id[len(prefix):]] = str((state or {}).get("value") or "")
    return answers


def first_block_id_with_prefix(view: dict[str, Any], prefix: str, default: str) -> str:
    """Where a modal's first question is (errors are shown beside it)."""
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith(prefix):
            return block_id
    return default
