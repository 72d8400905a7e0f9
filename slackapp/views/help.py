"""The /coach help answer: every subcommand, generated from the one registry of subcommands."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from slackapp.ids import COMMAND
from slackapp.views.blocks import Message, context, header, section


def help_message(subcommands: Sequence[tuple[str, str]], *, unknown: str | None = None) -> Message:
    lines = "\n".join(f"• `{COMMAND} {usage}` — {summary}" for usage, summary in subcommands)
    blocks: list[Block] = [header("Flowcoach — what you can ask")]
    if unknown is not None:
        blocks.append(section(f"I don't know “{unknown[:60]}” yet. Here is what I can do:"))
    blocks.append(section(lines))
    blocks.append(context("Everything proactive respects your working hours, do-not-disturb and pauses."))
    intro = f"I don't know “{unknown[:60]}”. " if unknown is not None else ""
    names = dict.fromkeys(usage.split()[0] for usage, _ in subcommands)  # "team", "team add …" → "team" once
    return Message(text=f"{intro}Flowcoach commands: " + ", ".join(names),
                   blocks=blocks)


def notice(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])
