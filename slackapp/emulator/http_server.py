"""The stdlib HTTP transport of the fake Slack Web API.

Decodes requests the way Slack accepts them (and slack_sdk sends them): form-encoded or
JSON bodies, multipart uploads, query strings; the token from ``Authorization: Bearer``
or a ``token`` argument; OAuth client credentials from ``Authorization: Basic``.
Form-encoded ``blocks``/``view``/``metadata``/``attachments`` strings are JSON-decoded.
Nothing here logs request contents (tokens never appear in logs).
"""

from __future__ import annotations

import contextlib
import email.message
import email.parser
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from slackapp.emulator.api_request import parse_basic_auth
from slackapp.emulator.dispatch import Answer, Dispatcher
from slackapp.emulator.workspace_state import ApiError

JSON_ARGS = ("blocks", "view", "metadata", "attachments")
API_PREFIX = "/api/"
RESPONSE_URL_PREFIX = "/actions/"


def _form_args(raw: str) -> dict[str, Any]:
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _multipart_args(content_type: str, body: bytes) -> dict[str, Any]:
    message = email.parser.BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    args: dict[str, Any] = {}
    parts = message.get_payload() if message.is_multipart() else []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, email.message.Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        args[name] = {"filename": filename, "size": len(data)} if filename else data.decode("utf-8", "replace")
    return args


def decode_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Arguments from a request body; raises ApiError(invalid_json/json_not_object/invalid_form_data)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise ApiError("json_not_object")
        return decoded
    if kind == "multipart/form-data":
        return _multipart_args(content_type, body)
    try:
        return _form_args(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError("invalid_form_data") from None


def decode_json_strings(args: dict[str, Any]) -> dict[str, Any]:
    """JSON-decode Block Kit arguments that arrived as strings (left as-is when not valid JSON)."""
    for name in JSON_ARGS:
        value = args.get(name)
        if isinstance(value, str) and value.strip():
            with contextlib.suppress(json.JSONDecodeError):
                args[name] = json.loads(value)
    return args


class _RequestHandler(BaseHTTPRequestHandler):
    server: FakeSlackHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (request lines can carry tokens in query strings)."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        content_type = self.headers.get("Content-Type") or "application/x-www-form-urlencoded"
        dispatcher = self.server.dispatcher
        try:
            args = _form_args(parts.query)
            args.update(decode_body(content_type, body))
        except ApiError as exc:
            self._send(200, {}, exc.body())
            return
        if parts.path.startswith(RESPONSE_URL_PREFIX):
            key = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
            legacy = args.pop("payload", None)  # old-style form-encoded ``payload=<json>`` webhooks
            if isinstance(legacy, str):
                with contextlib.suppress(json.JSONDecodeError):
                    decoded = json.loads(legacy)
                    args.update(decoded if isinstance(decoded, dict) else {})
            self._send(*dispatcher.handle_response_url(key, decode_json_strings(args)))
            return
        if not parts.path.startswith(API_PREFIX):
            self._send(404, {}, {"ok": False, "error": "not_found"})
            return
        method = unquote(parts.path[len(API_PREFIX) :]).strip("/")
        authorization = self.headers.get("Authorization") or ""
        token = authorization[len("Bearer ") :].strip() if authorization.startswith("Bearer ") else None
        body_token = args.pop("token", None)
        if token is None and isinstance(body_token, str) and body_token:
            token = body_token
        answer: Answer = dispatcher.handle_api(
            method, decode_json_strings(args), token, parse_basic_auth(authorization)
        )
        self._send(*answer)

    def _send(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired during a delay)


class FakeSlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, dispatcher: Dispatcher, host: str = "127.0.0.1", port: int = 0) -> None:
        self.dispatcher = dispatcher
        super().__init__((host, port), _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early are normal here (timeouts); never print tracebacks with payloads."""
