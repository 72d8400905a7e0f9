"""Load a content directory into a ``ContentLibrary``, or fail with every problem located.

File convention (see ``content/README.md``): every ``*.yml``/``*.yaml`` file under the
directory, at any depth (hidden files and directories skipped), is a mapping with exactly two
keys: ``kind`` (which kind of content it holds) and ``items`` (a non-empty list of entries of
that kind). Files are read in sorted path order; several files may hold the same kind.

Adding a kind: write ``parse_<thing>(reader, node) -> Thing | None`` in its own module (see
``competencies.py``; ``moments.py`` and ``assignments.py`` for optional fields, nested lists
and references), add a ``Kind`` to ``KINDS`` and a tuple field to ``ContentLibrary``.
References between items (for example a moment's ``prep_guide_id``) go through
``reader.refer`` and are resolved across all files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from slackapp.content.assignments import parse_assignment
from slackapp.content.competencies import parse_competency
from slackapp.content.guides import parse_guide
from slackapp.content.model import ContentError, ContentLibrary, ContentProblem
from slackapp.content.moments import parse_moment
from slackapp.content.question_sets import parse_question_set
from slackapp.content.reader import FileReader, IdRegistry, describe
from slackapp.content.source import read_yaml

CONTENT_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True, slots=True)
class Kind:
    """A top-level kind of content file: its ``kind:`` name, item parser and library field."""

    name: str
    library_field: str
    parse_item: Callable[[FileReader, yaml.Node], object | None]


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            Kind("competencies", "competencies", parse_competency),
            Kind("question_sets", "question_sets", parse_question_set),
            Kind("guides", "guides", parse_guide),
            Kind("moments", "moments", parse_moment),
            Kind("assignments", "assignments", parse_assignment),
        )
    }
)


def load_content(directory: Path | str | os.PathLike[str]) -> ContentLibrary:
    """Load and validate every content file under ``directory``.

    Raises ``ContentError`` listing every problem (sorted by path and line). Paths in problems
    are shown as given: relative to the working directory if ``directory`` was relative.
    A missing directory, or one without content files, is a problem at line 0.
    """
    directory = Path(directory)
    problems: list[ContentProblem] = []
    ids = IdRegistry()
    items: dict[str, list[object]] = {name: [] for name in KINDS}
    for path in content_files(directory, problems):
        shown = str(path)
        root = read_yaml(path, shown, problems)
        if root is not None:
            _parse_file(FileReader(shown, problems, ids), root, items)
    problems.extend(ids.unresolved())
    if problems:
        raise ContentError(sorted(problems, key=lambda problem: (problem.path, problem.line)))
    fields: dict[str, Any] = {KINDS[name].library_field: tuple(values) for name, values in items.items()}
    try:
        return ContentLibrary(**fields)
    except ValueError as exc:  # every rule is checked per node first; this is a safety net
        raise ContentError([ContentProblem(str(directory), 0, f"invalid content: {exc}")]) from exc


def content_files(directory: Path, problems: list[ContentProblem]) -> list[Path]:
    """The content files under ``directory``, sorted; reports a missing or empty directory."""
    if not directory.exists():
        problems.append(ContentProblem(str(directory), 0, "content directory not found"))
        return []
    if not directory.is_dir():
        problems.append(ContentProblem(str(directory), 0, "not a directory; expected a content directory"))
        return []
    files: list[Path] = []
    for root, dirs, names in os.walk(directory):  # does not follow symlinked directories
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        files.extend(
            Path(root, name)
            for name in names
            if name.endswith(CONTENT_SUFFIXES) and not name.startswith(".") and Path(root, name).is_file()
        )
    files.sort()
    if not files:
        problems.append(
            ContentProblem(str(directory), 0, "no content files found (expected *.yml or *.yaml files)")
        )
    return files


def _parse_file(reader: FileReader, root: yaml.Node, items: dict[str, list[object]]) -> None:
    if not isinstance(root, yaml.MappingNode):
        reader.report(root, f"file must be a mapping with 'kind' and 'items', got {describe(root)}")
        return
    fields = reader.mapping(root, "file", required=("kind", "items"))
    if fields is None:
        return
    kind_node = fields.get("kind")
    name = reader.string(kind_node, "'kind'")
    kind = KINDS.get(name) if name is not None else None
    if kind is None and name is not None and kind_node is not None:
        reader.report(kind_node, f"unknown kind '{name}' (known kinds: {', '.join(sorted(KINDS))})")
    item_nodes = reader.sequence(fields.get("items"), "'items'")
    if kind is None or item_nodes is None:
        return
    for node in item_nodes:
        item = kind.parse_item(reader, node)
        if item is not None:
            items[kind.name].append(item)
