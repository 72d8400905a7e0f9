"""Read one content file into a YAML node tree, reporting every problem as ``path:line``.

Only ``yaml.compose`` with ``yaml.SafeLoader`` is used: the file becomes a tree of nodes
(with line numbers and safe-loader tag resolution), and no Python object is ever
constructed from YAML tags. Duplicate mapping keys, which ``yaml.safe_load`` silently
accepts (the last one wins), are reported here for the whole tree.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.reader import ReaderError

from slackapp.content.model import ContentProblem


def node_line(node: yaml.Node) -> int:
    """The 1-based line where ``node`` starts."""
    mark = node.start_mark
    return mark.line + 1 if mark is not None else 1


def read_yaml(path: Path, shown: str, problems: list[ContentProblem]) -> yaml.Node | None:
    """Parse ``path`` (reported as ``shown``); None if it could not be parsed at all."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(ContentProblem(shown, 0, f"cannot read file: {exc.strerror or exc}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(_not_utf8(shown, data, exc))
        return None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        problems.append(_invalid_yaml(shown, exc))
        return None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        problems.append(ContentProblem(shown, line, f"invalid YAML: {_reader_problem(exc)}"))
        return None
    if root is None:
        problems.append(ContentProblem(shown, 1, "file is empty; expected a mapping with 'kind' and 'items'"))
        return None
    problems.extend(ContentProblem(shown, line, message) for line, message in duplicate_keys(root))
    return root


def duplicate_keys(root: yaml.Node) -> list[tuple[int, str]]:
    """(line, message) for every mapping key that repeats an earlier key of the same mapping."""
    found: list[tuple[int, str]] = []
    seen: set[int] = set()  # aliases share nodes, and may even form cycles
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    token = (key.tag, key.value)
                    if token in first:
                        found.append(
                            (node_line(key), f"duplicate key '{key.value}' (first at line {first[token]})")
                        )
                    else:
                        first[token] = node_line(key)
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def _not_utf8(shown: str, data: bytes, exc: UnicodeDecodeError) -> ContentProblem:
    line_start = data.rfind(b"\n", 0, exc.start) + 1
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - line_start + 1
    byte = data[exc.start]
    return ContentProblem(
        shown,
        line,
        f"file is not valid UTF-8 (byte 0x{byte:02x} at column {column}); save it with UTF-8 encoding",
    )


def _invalid_yaml(shown: str, exc: yaml.MarkedYAMLError) -> ContentProblem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = exc.problem or exc.context or "could not parse"
    if exc.problem and exc.context:
        if exc.problem.startswith("but "):  # e.g. "expected a single document ... but found another"
            problem = f"{exc.context} {exc.problem}"
        elif exc.context_mark is not None:
            problem = f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
    return ContentProblem(shown, line, f"invalid YAML: {problem}")


def _reader_problem(exc: ReaderError) -> str:
    if isinstance(exc.character, int):
        return f"unacceptable character #x{exc.character:04x}: {exc.reason}"
    return str(exc.reason)
