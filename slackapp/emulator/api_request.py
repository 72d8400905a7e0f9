"""One decoded Web API request and typed access to its arguments."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slackapp.emulator.workspace_state import ApiError, WorkspaceState, invalid_arguments

_TRUE = {"1", "true", "True", "yes"}


@dataclass(frozen=True)
class ApiRequest:
    method: str
    args: dict[str, Any]
    token: str | None
    basic_auth: tuple[str, str] | None = None

    def str_arg(self, name: str) -> str | None:
        value = self.args.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def required(self, name: str) -> str:
        value = self.str_arg(name)
        if value is None:
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def bool_arg(self, name: str, default: bool = False) -> bool:
        value = self.args.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value) in _TRUE

    def int_arg(self, name: str, default: int) -> int:
        value = self.args.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"{name} must be an integer") from None


Handler = Callable[[WorkspaceState, ApiRequest], dict[str, Any]]


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header.removeprefix("Basic ").strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode("ascii")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, number = base64.b64decode(cursor, validate=True).decode("ascii").partition(":")
        if prefix != "offset" or not number.isdigit():
            raise ValueError(cursor)
        return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("invalid_cursor") from None


def paginate(items: list[Any], request: ApiRequest, *, default_limit: int, max_limit: int) -> tuple[list[Any], str]:
    """One page of ``items`` and the next cursor ("" on the last page), Slack-style."""
    limit = request.int_arg("limit", default_limit)
    if limit <= 0:
        limit = default_limit
    limit = min(limit, max_limit)
    start = decode_cursor(request.str_arg("cursor"))
    page = items[start : start + limit]
    next_cursor = encode_cursor(start + limit) if start + limit < len(items) else ""
    return page, next_cursor
