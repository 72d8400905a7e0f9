"""SQLAlchemy 2 ORM models. Every datetime is stored as UTC (``UtcDateTime``).

One module per domain; every model (and ``Base``, ``UtcDateTime``, ``BigId``) is importable from here,
which is also what loads every table into ``Base.metadata`` for Alembic.
"""

from slackapp.db.models.assignments import Assignment, AssignmentTransition, Review, Submission
from slackapp.db.models.base import Base, BigId, UtcDateTime
from slackapp.db.models.calendar import CalendarFeed, CalendarOccurrence, MutedSeries
from slackapp.db.models.debriefs import Debrief, DebriefPeer
from slackapp.db.models.deliveries import Delivery, DeliveryDecision
from slackapp.db.models.events import AnalyticsEvent, ProcessedEvent
from slackapp.db.models.evidence import CompetencyProgress, Evidence
from slackapp.db.models.people import Person
from slackapp.db.models.reflections import Reflection
from slackapp.db.models.team_links import TeamLink
from slackapp.db.models.workspaces import OAuthState, SlackInstallation, Workspace

__all__ = [
    "AnalyticsEvent",
    "Assignment",
    "AssignmentTransition",
    "Base",
    "BigId",
    "CalendarFeed",
    "CalendarOccurrence",
    "CompetencyProgress",
    "Debrief",
    "DebriefPeer",
    "Delivery",
    "DeliveryDecision",
    "Evidence",
    "MutedSeries",
    "OAuthState",
    "Person",
    "ProcessedEvent",
    "Reflection",
    "Review",
    "SlackInstallation",
    "Submission",
    "TeamLink",
    "UtcDateTime",
    "Workspace",
]
