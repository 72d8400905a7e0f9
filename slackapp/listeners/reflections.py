"""/coach shared: the reflections a manager's reports chose to share with them."""

from __future__ import annotations

from slack_bolt import App

from slackapp.domain import people, reflections
from slackapp.listeners.subcommands import CommandRequest, subcommand
from slackapp.services import Services
from slackapp.views.blocks import Message
from slackapp.views.reflections import shared_reflections_message


@subcommand("shared", "shared", "reflections your reports chose to share with you")
def shared(req: CommandRequest) -> Message:
    with req.services.db.session() as session:
        zone = people.zone_of(req.person(session))
        entries = reflections.shared_with_manager(session, team_id=req.team_id, manager_id=req.user_id,
                                                  vault=req.services.vault)
    return shared_reflections_message(entries, content=req.services.content, tz=zone)


def register(app: App, services: Services) -> None:
    return None  # a subcommand only: registered with /coach on import
