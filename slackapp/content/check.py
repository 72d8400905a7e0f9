"""``flowcoach content check [DIR]``: validate a content directory for authors and CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from slackapp.content.loader import load_content
from slackapp.content.model import ContentError, ContentLibrary


def run_content_check(directory: Path | str | os.PathLike[str], out: TextIO) -> int:
    """Print one ``path:line: message`` per problem and return 1, or a summary line and 0."""
    try:
        library = load_content(directory)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        return 1
    print(f"content OK: {summarize(library)} in {directory}", file=out)
    return 0


def summarize(library: ContentLibrary) -> str:
    """E.g. ``10 competencies, 41 skills, 7 moments, 7 guides, 12 question sets, 30 assignments``."""
    counts = [
        (len(library.competencies), "competency", "competencies"),
        (len(library.skills), "skill", "skills"),
        (len(library.moments), "moment", "moments"),
        (len(library.guides), "guide", "guides"),
        (len(library.question_sets), "question set", "question sets"),
        (len(library.assignments), "assignment", "assignments"),
    ]
    return ", ".join(f"{count} {one if count == 1 else many}" for count, one, many in counts)
