"""Block Kit and payload validation for the fake Slack Web API.

Every check returns human-readable problems in Slack's own style
(``"<detail> [json-pointer:/blocks/0/text]"``) so that the fake can answer
with Slack-shaped errors and tests can show exactly what was wrong.

Blocks are validated twice: with slack_sdk's models (``Block.parse(d).to_dict()``
and ``View(**view).to_dict()`` run slack_sdk's ``JsonValidator`` length checks) and
with the extra rules Slack enforces server side but slack_sdk does not:

* unknown keys (slack_sdk silently drops them, Slack rejects them);
* text objects must be objects with non-empty ``text``;
* header text, input labels/hints, button texts and view titles must be ``plain_text``;
* at most 50 blocks in a message, 100 in a modal or Home tab;
* ``block_id`` unique within a message/view and ``action_id`` unique within a
  message/view (Slack documents uniqueness per block for ``action_id``; this fake is
  deliberately stricter, as the project's ids module promises unique ids per surface).
"""

from __future__ import annotations

from typing import Any, Final

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS: Final = 50
MAX_VIEW_BLOCKS: Final = 100
MAX_TEXT_CHARS: Final = 40_000
MAX_ATTACHMENTS: Final = 100
MAX_EXTERNAL_ID_CHARS: Final = 255
TEXT_OBJECT_TYPES: Final = frozenset({"plain_text", "mrkdwn"})
VIEW_KEYS: Final = frozenset(View.attributes) | {"submit_disabled"}
# Keys Slack accepts (or echoes back in payloads apps may re-send) that slack_sdk's models drop.
_UNMODELLED_KEYS: Final = frozenset(
    {"border", "unsafe", "image_width", "image_height", "image_bytes", "is_animated", "fallback"}
)
_PLAIN_TEXT_ONLY: Final = {
    "header": ("text",),
    "input": ("label", "hint"),
    "button": ("text",),
}


def _err(pointer: str, detail: str) -> str:
    return f"{detail} [json-pointer:{pointer}]"


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _diff_unknown(given: Any, parsed: Any, pointer: str) -> list[str]:
    """Report keys slack_sdk dropped (unknown to Block Kit) and scalars given where objects belong."""
    problems: list[str] = []
    if isinstance(given, dict):
        if not isinstance(parsed, dict):
            return problems
        for key, value in given.items():
            if key not in parsed:
                if not _is_empty(value) and key not in _UNMODELLED_KEYS:
                    problems.append(_err(f"{pointer}/{key}", f"invalid additional property: {key}"))
                continue
            problems.extend(_diff_unknown(value, parsed[key], f"{pointer}/{key}"))
    elif isinstance(given, list):
        if isinstance(parsed, list):
            for index, (g, p) in enumerate(zip(given, parsed, strict=False)):
                problems.extend(_diff_unknown(g, p, f"{pointer}/{index}"))
    elif isinstance(parsed, dict):
        problems.append(_err(pointer, "must provide an object"))
    return problems


def _walk(node: Any, pointer: str) -> list[tuple[str, dict[str, Any]]]:
    """All dicts inside ``node`` with their JSON pointers (depth first, document order)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((pointer, node))
        for key, value in node.items():
            found.extend(_walk(value, f"{pointer}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_walk(value, f"{pointer}/{index}"))
    return found


def _text_object_rules(block: dict[str, Any], pointer: str) -> list[str]:
    problems: list[str] = []
    for path, obj in _walk(block, pointer):
        kind = obj.get("type")
        if kind in TEXT_OBJECT_TYPES:
            text = obj.get("text")
            if not isinstance(text, str) or text == "":
                problems.append(_err(f"{path}/text", "must be more than 0 characters"))
        for field in _PLAIN_TEXT_ONLY.get(str(kind), ()):
            sub = obj.get(field)
            if isinstance(sub, dict) and sub.get("type") != "plain_text":
                problems.append(_err(f"{path}/{field}/type", "must be plain_text"))
    return problems


def _duplicate_ids(blocks: list[Any], pointer: str) -> list[str]:
    problems: list[str] = []
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                problems.append(_err(f"{pointer}/{index}/block_id", f"duplicate block_id: {block_id}"))
            block_ids.add(block_id)
        for path, obj in _walk(block, f"{pointer}/{index}"):
            action_id = obj.get("action_id")
            if isinstance(action_id, str):
                if action_id in action_ids:
                    problems.append(_err(f"{path}/action_id", f"duplicate action_id: {action_id}"))
                action_ids.add(action_id)
    return problems


def validate_block(block: Any, pointer: str) -> list[str]:
    """Validate one block dict with slack_sdk's models plus Slack's stricter server-side rules."""
    if not isinstance(block, dict):
        return [_err(pointer, "must provide an object")]
    kind = block.get("type")
    if not isinstance(kind, str):
        return [_err(f"{pointer}/type", "missing required field: type")]
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [_err(f"{pointer}/type", f"unknown block type: {kind}")]
        as_dict = parsed.to_dict()
    except SlackObjectFormationError as exc:
        return [_err(pointer, str(exc))]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return [_err(pointer, f"malformed {kind} block: {exc}")]
    return _diff_unknown(block, as_dict, pointer) + _text_object_rules(block, pointer)


def validate_blocks(blocks: Any, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Validate a list of blocks for one surface (message: 50 blocks, view: 100)."""
    if not isinstance(blocks, list):
        return [_err(pointer, "must provide an array")]
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(_err(pointer, f"must provide at most {max_blocks} items (got {len(blocks)})"))
    for index, block in enumerate(blocks):
        problems.extend(validate_block(block, f"{pointer}/{index}"))
    problems.extend(_duplicate_ids(blocks, pointer))
    return problems


def validate_attachments(attachments: Any) -> list[str]:
    """Secondary attachments: an array of objects; blocks inside them follow message rules."""
    if not isinstance(attachments, list):
        return [_err("/attachments", "must provide an array")]
    problems: list[str] = []
    for index, attachment in enumerate(attachments):
        if not isinstance(attachment, dict):
            problems.append(_err(f"/attachments/{index}", "must provide an object"))
        elif "blocks" in attachment:
            problems.extend(
                validate_blocks(
                    attachment["blocks"],
                    max_blocks=MAX_MESSAGE_BLOCKS,
                    pointer=f"/attachments/{index}/blocks",
                )
            )
    return problems


def validate_view(view: Any, *, expected_types: frozenset[str]) -> list[str]:
    """Validate a view payload (modal or home) with slack_sdk's View plus Slack's limits."""
    if not isinstance(view, dict):
        return [_err("/view", "must provide an object")]
    kind = view.get("type")
    if kind not in expected_types:
        allowed = " or ".join(sorted(expected_types))
        return [_err("/view/type", f"must be {allowed} (got {kind!r})")]
    problems = [_err(f"/view/{key}", f"invalid additional property: {key}") for key in view if key not in VIEW_KEYS]
    blocks = view.get("blocks")
    if blocks is None:
        problems.append(_err("/view/blocks", "missing required field: blocks"))
    else:
        problems.extend(validate_blocks(blocks, max_blocks=MAX_VIEW_BLOCKS, pointer="/view/blocks"))
    for field in ("title", "submit", "close"):
        obj = view.get(field)
        if obj is not None and (not isinstance(obj, dict) or obj.get("type") != "plain_text"):
            problems.append(_err(f"/view/{field}", "must be a plain_text object"))
    if kind == "modal":
        if view.get("title") is None:
            problems.append(_err("/view/title", "missing required field: title"))
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            problems.append(_err("/view/submit", "submit is required when a view contains input blocks"))
    external_id = view.get("external_id")
    if isinstance(external_id, str) and len(external_id) > MAX_EXTERNAL_ID_CHARS:
        problems.append(_err("/view/external_id", f"must be at most {MAX_EXTERNAL_ID_CHARS} characters"))
    if problems:
        return problems
    try:
        View(**view).to_dict()
    except SlackObjectFormationError as exc:
        problems.append(_err("/view", str(exc)))
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        problems.append(_err("/view", f"malformed view: {exc}"))
    return problems


def metadata_error(metadata: Any) -> str | None:
    """Slack's error name for a bad ``metadata`` argument, or None when it is well formed."""
    if not isinstance(metadata, dict):
        return "invalid_metadata_format"
    event_type = metadata.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        return "invalid_metadata_format"
    if not isinstance(metadata.get("event_payload"), dict):
        return "invalid_metadata_schema"
    if set(metadata) - {"event_type", "event_payload"}:
        return "invalid_metadata_format"
    return None
