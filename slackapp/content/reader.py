"""Schema helpers for turning YAML nodes into checked values, reporting ``path:line`` problems.

A ``FileReader`` reads one file. Each accessor returns the value when it is valid and
otherwise records a problem at the offending node and returns None, so a parser can keep
going and report everything in one run. Ids are defined and referenced through a shared
``IdRegistry``; references are resolved once every file has been read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import yaml

from slackapp.content.model import ContentProblem, body_problem, count_problem, range_problem, text_problem
from slackapp.content.source import node_line

T = TypeVar("T")

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _SEQ, _MAP, _MERGE = (_TAG + name for name in ("str", "null", "seq", "map", "merge"))
_INT, _BOOL = _TAG + "int", _TAG + "bool"
_SCALARS = yaml.constructor.SafeConstructor()  # only used for its int and bool parsing
_TYPE_NAMES = {
    _STR: "string",
    _NULL: "null",
    _SEQ: "list",
    _MAP: "mapping",
    _TAG + "int": "integer",
    _TAG + "float": "number",
    _TAG + "bool": "boolean",
    _TAG + "timestamp": "date",
    _TAG + "binary": "binary data",
}


def describe(node: yaml.Node) -> str:
    """A person-friendly name for the type of the value in ``node``."""
    if node.tag in _TYPE_NAMES:
        return _TYPE_NAMES[node.tag]
    tag = "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
    return f"a value tagged '{tag}'"


def _join(label: str, message: str) -> str:
    return f"{label} {message}" if label else message


@dataclass(frozen=True, slots=True)
class _Location:
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class _Reference:
    namespace: str
    ident: str
    where: _Location
    label: str


@dataclass
class IdRegistry:
    """Ids defined so far, per namespace (e.g. "competency", "skill"), and references to them."""

    _defined: dict[tuple[str, str], _Location] = field(default_factory=dict)
    _references: list[_Reference] = field(default_factory=list)

    def define(self, namespace: str, ident: str, path: str, line: int) -> ContentProblem | None:
        """Record a definition; the problem to report if the id is already defined."""
        first = self._defined.get((namespace, ident))
        if first is not None:
            return ContentProblem(
                path, line, f"duplicate {namespace} id '{ident}' (first defined at {first.path}:{first.line})"
            )
        self._defined[(namespace, ident)] = _Location(path, line)
        return None

    def refer(self, namespace: str, ident: str, path: str, line: int, label: str) -> None:
        self._references.append(_Reference(namespace, ident, _Location(path, line), label))

    def unresolved(self) -> list[ContentProblem]:
        """One problem per reference to an id that no file defines."""
        return [
            ContentProblem(
                ref.where.path, ref.where.line, f"{ref.label} refers to unknown {ref.namespace} '{ref.ident}'"
            )
            for ref in self._references
            if (ref.namespace, ref.ident) not in self._defined
        ]


class FileReader:
    """Typed, problem-reporting access to the nodes of one file.

    ``label`` arguments prefix messages (e.g. ``"competency 'delegating': 'name'"``).
    Accessors given ``None`` (a missing key, already reported) return None silently.
    """

    def __init__(self, path: str, problems: list[ContentProblem], ids: IdRegistry) -> None:
        self.path = path
        self.problems = problems
        self.ids = ids

    def label(self, noun: str, node: yaml.Node) -> str:
        """``noun 'id'`` when ``node`` is a mapping with a string ``id``, else ``noun``; for messages."""
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (
                    key.tag == _STR
                    and key.value == "id"
                    and value.tag == _STR
                    and isinstance(value.value, str)
                ):
                    return f"{noun} '{value.value}'" if value.value.strip() else noun
        return noun

    def report(self, node: yaml.Node, message: str) -> None:
        self.problems.append(ContentProblem(self.path, node_line(node), message))

    def mapping(
        self, node: yaml.Node | None, label: str, *, required: Sequence[str], optional: Sequence[str] = ()
    ) -> dict[str, yaml.Node] | None:
        """The string-keyed fields of a mapping; reports unknown and missing keys.

        Fields that are present are returned even when other keys are wrong, so that their
        values get checked too. Of duplicate keys (reported by the source), the first wins.
        """
        if node is None:
            return None
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            self.report(node, _join(label, f"must be a mapping, got {describe(node)}"))
            return None
        allowed = (*required, *optional)
        fields: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if key.tag == _MERGE:
                self.report(
                    key, _join(label, "uses a merge key ('<<'), which is not supported; write the keys out")
                )
            elif not isinstance(key, yaml.ScalarNode) or key.tag != _STR:
                self.report(key, _join(label, f"keys must be strings, got {describe(key)}"))
            elif key.value not in allowed:
                self.report(
                    key, _join(label, f"has unknown key '{key.value}' (allowed: {', '.join(allowed)})")
                )
            else:
                fields.setdefault(key.value, value)
        missing = [f"'{name}'" for name in required if name not in fields]
        if missing:
            keys = "key" if len(missing) == 1 else "keys"
            self.report(node, _join(label, f"is missing required {keys} {', '.join(missing)}"))
        return fields

    def sequence(
        self, node: yaml.Node | None, label: str, *, allow_empty: bool = False
    ) -> list[yaml.Node] | None:
        """The items of a list (non-empty unless ``allow_empty``)."""
        if node is None:
            return None
        if not isinstance(node, yaml.SequenceNode) or node.tag != _SEQ:
            self.report(node, _join(label, f"must be a list, got {describe(node)}"))
            return None
        if not node.value and not allow_empty:
            self.report(node, _join(label, "must not be empty"))
            return None
        return list(node.value)

    def string(self, node: yaml.Node | None, label: str) -> str | None:
        """A plain string value, exactly as written."""
        if node is None:
            return None
        if node.tag == _NULL:
            self.report(node, _join(label, "must not be empty"))
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            self.report(node, _join(label, f"must be a string, got {describe(node)}"))
            return None
        return str(node.value)

    def text(self, node: yaml.Node | None, label: str, *, max_length: int) -> str | None:
        """A one-line text: runs of whitespace (e.g. from folded ``>`` blocks) become one space."""
        raw = self.string(node, label)
        if raw is None or node is None:
            return None
        value = " ".join(raw.split())
        return value if self.check(node, label, text_problem(value, max_length)) else None

    def body(self, node: yaml.Node | None, label: str, *, max_length: int) -> str | None:
        """A multi-line text (e.g. mrkdwn from a ``|`` block): line breaks are kept, trailing
        spaces on each line and blank lines at the start and end are dropped."""
        raw = self.string(node, label)
        if raw is None or node is None:
            return None
        value = "\n".join(line.rstrip() for line in raw.strip().splitlines())
        return value if self.check(node, label, body_problem(value, max_length)) else None

    def integer(self, node: yaml.Node | None, label: str, *, minimum: int, maximum: int) -> int | None:
        """A whole number from ``minimum`` to ``maximum``."""
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT:
            self.report(node, _join(label, f"must be a whole number, got {describe(node)}"))
            return None
        value = int(_SCALARS.construct_yaml_int(node))
        return value if self.check(node, label, range_problem(value, minimum, maximum)) else None

    def boolean(self, node: yaml.Node | None, label: str) -> bool | None:
        """``true`` or ``false``."""
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            self.report(node, _join(label, f"must be true or false, got {describe(node)}"))
            return None
        return bool(_SCALARS.construct_yaml_bool(node))

    def count(
        self,
        node: yaml.Node | None,
        items: Sequence[object] | None,
        label: str,
        *,
        minimum: int,
        maximum: int,
        noun: str,
    ) -> bool:
        """Check that a list (``items``, read from ``node``) has ``minimum`` to ``maximum`` items.

        ``noun`` names the items in messages. Returns False (reporting nothing more) when the
        list itself was missing or invalid.
        """
        if node is None or items is None:
            return False
        return self.check(node, label, count_problem(len(items), minimum, maximum, noun))

    def identifier(self, node: yaml.Node | None, label: str, rule: Callable[[str], str | None]) -> str | None:
        """An id string that satisfies ``rule`` (which returns a problem or None)."""
        value = self.string(node, label)
        if value is None or node is None:
            return None
        return value if self.check(node, label, rule(value)) else None

    def texts(self, node: yaml.Node | None, label: str, *, max_length: int) -> tuple[str, ...] | None:
        """A non-empty list of distinct one-line texts."""
        items = self.sequence(node, label)
        if items is None:
            return None
        values: list[str] = []
        ok = True
        for number, item in enumerate(items, start=1):
            value = self.text(item, f"{label} item {number}", max_length=max_length)
            if value is None:
                ok = False
            elif value in values:
                self.report(item, f"{label} item {number} repeats item {values.index(value) + 1}")
                ok = False
            values.append(value or "")
        return tuple(values) if ok else None

    def check(self, node: yaml.Node, label: str, problem: str | None) -> bool:
        """Report ``problem`` (if any) at ``node``; True when there was none."""
        if problem is not None:
            self.report(node, _join(label, problem))
        return problem is None

    def define(self, namespace: str, ident: str, node: yaml.Node) -> bool:
        """Define an id at ``node``; False (and a problem) if it was already defined."""
        problem = self.ids.define(namespace, ident, self.path, node_line(node))
        if problem is not None:
            self.problems.append(problem)
        return problem is None

    def refer(self, namespace: str, ident: str, node: yaml.Node, label: str) -> None:
        """Reference an id that some file must define (checked after all files are read)."""
        self.ids.refer(namespace, ident, self.path, node_line(node), label)

    def build(self, node: yaml.Node, label: str, factory: Callable[[], T]) -> T | None:
        """Construct a value object; a ``ValueError`` from its validation becomes a problem."""
        try:
            return factory()
        except ValueError as exc:
            self.report(node, _join(label, f"is invalid: {exc}"))
            return None
