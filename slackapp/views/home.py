"""The App Home tab: greeting, opt-in state, quick actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.views import View

from slackapp import ids
from slackapp.views.blocks import actions, button, context, divider, header, section


@dataclass(frozen=True, slots=True)
class HomeState:
    display_name: str
    opt_in: str
    paused_until_local: datetime | None
    tz: str
    working_hours: str
    is_admin: bool


def home_view(state: HomeState) -> View:
    name = state.display_name or "there"
    blocks = [header(f"Hi {name[:60]} 👋"), section(
        "Flowcoach brings leadership learning into your week: help right before the moments that matter, "
        "small practice tasks, and peers to learn with."
    ), divider()]
    if state.opt_in == "opted_in" and state.paused_until_local is not None:
        until = state.paused_until_local.strftime("%a %d %b %Y")
        blocks.append(section(f"*Coaching is paused* until {until}. I won't message you before then."))
        blocks.append(actions(button("Resume now", ids.RESUME, style="primary")))
    elif state.opt_in == "opted_in":
        blocks.append(section("*Coaching is on.* Nudges arrive only inside your working hours."))
        blocks.append(actions(button("Pause for a week", ids.PAUSE_WEEK), button("Stop coaching", ids.OPT_OUT)))
    else:
        blocks.append(section("*Coaching is off.* Nothing is sent to you proactively until you turn it on."))
        blocks.append(actions(button("Turn on coaching", ids.OPT_IN, "home", style="primary")))
    blocks.append(context(f"Your time zone: {state.tz} · working hours: {state.working_hours} "
                          "(from your Slack profile; refreshed daily)"))
    blocks.append(divider())
    blocks.append(section("*Quick actions*\n• `/coach help` — everything you can ask\n"
                          "• `/coach pause 2026-12-01` — pause until a date\n• `/coach status` — your settings"))
    if state.is_admin:
        blocks.append(context("You are a Flowcoach program admin."))
    return View(type="home", blocks=blocks)
