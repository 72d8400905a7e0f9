"""Learning content: YAML files in git, loaded into frozen, validated value objects.

See ``content/README.md`` for the file format.
"""

from slackapp.content.check import run_content_check
from slackapp.content.loader import KINDS, load_content
from slackapp.content.model import (
    AssignmentTemplate,
    Competency,
    ContentError,
    ContentLibrary,
    ContentProblem,
    Guide,
    GuideSection,
    MomentRule,
    Question,
    QuestionSet,
    RubricLevel,
    Skill,
)

__all__ = [
    "KINDS",
    "AssignmentTemplate",
    "Competency",
    "ContentError",
    "ContentLibrary",
    "ContentProblem",
    "Guide",
    "GuideSection",
    "MomentRule",
    "Question",
    "QuestionSet",
    "RubricLevel",
    "Skill",
    "load_content",
    "run_content_check",
]
