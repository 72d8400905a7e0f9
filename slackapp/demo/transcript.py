"""A readable transcript of what each scripted person saw."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from slackapp.emulator.render import render_message, render_view


class Transcript:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out

    def step(self, text: str) -> None:
        print(f"\n### {text}", file=self.out)

    def note(self, text: str) -> None:
        print(f"    ({text})", file=self.out)

    def _box(self, who: str, where: str, body: str) -> None:
        print(f"--- {who} sees {where}:", file=self.out)
        for line in body.splitlines() or [""]:
            print(f"  | {line}", file=self.out)

    def message(self, who: str, where: str, message: dict[str, Any]) -> None:
        self._box(who, where, render_message(message))

    def view(self, who: str, where: str, view: dict[str, Any]) -> None:
        self._box(who, where, render_view(view))
