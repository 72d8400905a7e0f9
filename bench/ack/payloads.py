"""Shared constants, the bench's error, measuring modes, and the signed-request payloads."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slackapp import ids

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
TEAM_ID = "T0001"
USER_ID = "UBENCH1"
FORM = "application/x-www-form-urlencoded"
WARMUP_HEADER = "X-Bench-Warmup"  # sent on untimed requests only, so the CPU column skips them
WARMUP_ENVIRON = "HTTP_X_BENCH_WARMUP"
STOP_SENDING = threading.Event()  # set when the bench stops early (Ctrl-C, an error): sender threads end
LAZY_BACKLOG_LIMIT = 32  # queued lazy tasks in the target's executor before senders pause (untimed)
BACKLOG_POLL_S = 0.002  # concurrent senders share one backlog answer for this long (fewer control calls)
DRAIN_TIMEOUT_S = 60.0
START_TIMEOUT_S = 120.0  # a child builds its app (migrations, content) and starts its server
CALL_TIMEOUT_S = 30.0  # one control command
STOP_TIMEOUT_S = 30.0  # a child stops its server and lets acknowledged work finish
BACKLOG_SAMPLE_S = 0.2  # open loop: one monitor thread samples the lazy backlog this often (nobody waits for it)
SPIN_S = 0.0003  # open loop: sleep until this long before an intended send time, then yield in a loop
START_DELAY_S = 0.01  # open loop: the schedule starts this long after the senders leave their barrier
RATE_REQUESTS_CAP = 1000  # open loop: default measured requests per row, if --requests is larger

# Targets from the issue.
P50_TARGET_MS = 3.0
P99_TARGET_MS = {"seq": 100.0, "conc": 300.0, "rate": 300.0}
NOISE_RATIO = 1.10  # "not worse than bare Bolt": within 10 % ...
NOISE_ABS_MS = 0.3  # ... or within 0.3 ms

TARGETS = ("flowcoach", "bare-bolt", "floor")


class BenchError(Exception):
    """Something went wrong that makes the figures meaningless."""



@dataclass(frozen=True)
class Mode:
    """How a row is measured: ``seq`` (one sender, settled before each request), ``conc`` (closed loop:
    ``senders`` back to back) or ``rate`` (open loop: ``rate`` requests per second in total across ``senders``,
    each on its own schedule of intended send times)."""

    name: str
    senders: int
    requests: int  # measured requests per target × payload, split across the rounds and the senders
    rate: float = 0.0  # requests per second, all senders together (open loop only)

    @property
    def open_loop(self) -> bool:
        return self.name == "rate"

    @property
    def label(self) -> str:
        if self.open_loop:
            return f"rate{self.rate:g}x{self.senders}"
        return f"{self.name}x{self.senders}" if self.senders > 1 else self.name

    @property
    def where(self) -> str:
        """For verdict lines: the load this row was measured under."""
        if self.open_loop:
            return f"at {self.rate:g} req/s ({self.senders} sender{'s' if self.senders > 1 else ''}, open loop)"
        return "sequential" if self.senders == 1 else f"{self.senders} concurrent senders"


# ---- payloads ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Payload:
    name: str
    body: bytes
    content_type: str = FORM


def command_payload(response_url: str) -> Payload:
    fields = {
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "acme", "channel_id": "D" + USER_ID,
        "channel_name": "directmessage", "user_id": USER_ID, "user_name": USER_ID.lower(), "command": ids.COMMAND,
        "text": "help", "api_app_id": "A0001", "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": "1337.42.bench-trigger",
    }
    return Payload("/coach help", urlencode(fields).encode())


def action_payload(response_url: str, home_view: dict[str, Any] | None) -> Payload:
    """A Home-tab button click as Slack sends it: the whole published view travels with it."""
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": USER_ID, "username": USER_ID.lower(), "name": USER_ID.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0001", "token": "legacy", "trigger_id": "1337.43.bench-trigger",
        "response_url": response_url, "is_enterprise_install": False,
        "actions": [{"type": "button", "action_id": ids.PAUSE_WEEK, "block_id": "home_prefs", "value": "pause",
                     "text": {"type": "plain_text", "text": "Pause for a week", "emoji": True},
                     "action_ts": "1795420800.000100"}],
    }
    if home_view is not None:
        payload["container"] = {"type": "view", "view_id": home_view.get("id", "VHOME")}
        payload["view"] = home_view
    return Payload(f"block_actions {ids.PAUSE_WEEK}", urlencode({"payload": json.dumps(payload)}).encode())

