r"""Regular expressions written by content authors (moment rules), checked before they are used.

Calendar event titles come from anyone who can send an invitation, so a pattern must not be
able to take exponential time on a crafted title ("catastrophic backtracking"). Python's
``re`` has no timeout, so patterns are checked when the content is loaded:

- at most ``PATTERN_MAX`` characters;
- valid Python syntax (compiled case-insensitively);
- not able to match the empty string (it would match every event);
- no *nested quantifiers*: a group that contains a variable repeat (``+``, ``*``, ``{2,}``,
  ``{1,3}``; not ``?`` or an exact ``{3}``) and is itself repeated (``+``, ``*``, ``{2}``, ...),
  like ``(a+)+``, ``(\w*\s?)*`` or ``(?:x{2,}){3}``. This is a heuristic, applied to the
  pattern's text: it rejects the classic exponential shapes and a few harmless ones (rewrite
  those without the outer repeat: ``(a+)+`` is ``a+``), and it does not try to find every
  slow pattern, such as repeated alternatives that overlap (``(a|a)+``).

Only the first ``TITLE_MATCH_MAX`` characters of a title and ``DESCRIPTION_MATCH_MAX`` of a
description are searched, which keeps patterns that are slow without being exponential
(adjacent overlapping repeats such as ``\s*\s+to`` take quadratic time) fast enough.
"""

from __future__ import annotations

import re

PATTERN_MAX = 200
# Only the start of an event's texts is searched. Titles are short in practice, and invitations
# put their links and agendas at the top of the description. The caps also bound patterns that
# are slow without being exponential (see the module docstring).
TITLE_MATCH_MAX = 500
DESCRIPTION_MATCH_MAX = 4000
PATTERN_FLAGS = re.IGNORECASE

# An explicit repeat count: {n}, {n,}, {,m}, {n,m} (anything else is a literal "{").
_BRACES = re.compile(r"\{(\d*)(,?)(\d*)\}")
_Bounds = tuple[int, int | None]  # (minimum, maximum or None for unbounded)


def pattern_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable event pattern, or None (phrased to follow a label)."""
    if not value:
        return "must not be empty"
    if len(value) > PATTERN_MAX:
        return f"is too long ({len(value)} characters; at most {PATTERN_MAX})"
    try:
        compiled = re.compile(value, PATTERN_FLAGS)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    except (OverflowError, RecursionError):
        return "is not a valid regular expression: it is too complex"
    if has_nested_quantifier(value):
        return (
            "has nested quantifiers (a repeated group that itself contains a repeat, like "
            "'(a+)+'), which can make matching extremely slow; rewrite it without the outer repeat"
        )
    if compiled.search("") is not None:
        return "matches empty text, so it would match every event"
    return None


def compile_pattern(value: str) -> re.Pattern[str]:
    """Compile an event pattern; ``ValueError`` if ``pattern_problem`` finds a problem."""
    problem = pattern_problem(value)
    if problem is not None:
        raise ValueError(f"pattern {problem}")
    return re.compile(value, PATTERN_FLAGS)


def has_nested_quantifier(pattern: str) -> bool:
    """True when a group containing a repeat is itself repeated (see the module docstring).

    Expects a pattern that compiles. Character classes, escapes and group prefixes such as
    ``(?:``, ``(?P<name>`` or ``(?i)`` are skipped; a lazy or possessive suffix (``+?``,
    ``++``) is part of the repeat before it.
    """
    # One flag per open group: has a variable repeat been seen inside it (at any depth)?
    open_groups: list[bool] = [False]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
        elif char == "[":
            index = _skip_class(pattern, index)
        elif char == "(":
            open_groups.append(False)
            index = _skip_group_prefix(pattern, index + 1)
        elif char == ")" and len(open_groups) > 1:
            inner = open_groups.pop()
            bounds, index = _read_quantifier(pattern, index + 1)
            if inner and bounds is not None and _can_repeat(bounds):
                return True
            open_groups[-1] = open_groups[-1] or inner or (bounds is not None and _is_variable(bounds))
        else:
            bounds, after = _read_quantifier(pattern, index)
            if bounds is not None:
                open_groups[-1] = open_groups[-1] or _is_variable(bounds)
                index = after
            else:
                index += 1
    return False


def _can_repeat(bounds: _Bounds) -> bool:
    """More than one repetition is possible (so an exact ``{3}`` counts)."""
    return bounds[1] is None or bounds[1] > 1


def _is_variable(bounds: _Bounds) -> bool:
    """A varying number of repetitions, more than one possible (``+``, ``*``, ``{2,5}``)."""
    return _can_repeat(bounds) and bounds[0] != bounds[1]


def _read_quantifier(pattern: str, index: int) -> tuple[_Bounds | None, int]:
    """The bounds of a quantifier at ``index`` and the index after it; None if there is none."""
    if index >= len(pattern):
        return None, index
    char = pattern[index]
    bounds: _Bounds
    if char in "*+?":
        bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        end = index + 1
    elif char == "{" and (match := _BRACES.match(pattern, index)) is not None:
        low, comma, high = match.groups()
        if not (low or comma or high):  # "{}" is literal text ("{,}" means "*")
            return None, index
        minimum = int(low or 0)
        bounds = (minimum, int(high) if high else None) if comma else (minimum, minimum)
        end = match.end()
    else:
        return None, index
    if end < len(pattern) and pattern[end] in "?+":  # lazy or possessive
        end += 1
    return bounds, end


def _skip_class(pattern: str, index: int) -> int:
    """The index after the character class ``[...]`` that starts at ``index``."""
    index += 1
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":  # a leading "]" is a literal
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def _skip_group_prefix(pattern: str, index: int) -> int:
    """The index of the first character inside a group whose "(" is just before ``index``."""
    if not pattern.startswith("?", index):
        return index
    rest = pattern[index + 1 :]
    if rest.startswith(("P<", "<")) and not rest.startswith(("<=", "<!")):
        return pattern.index(">", index) + 1  # named group
    if rest.startswith(("P=", "#")):  # backreference or comment: nothing to scan inside
        return pattern.index(")", index)
    if rest.startswith("("):  # conditional (?(id)yes|no): scan the branches
        return pattern.index(")", index) + 1
    if rest.startswith(("<=", "<!")):
        return index + 3
    if rest.startswith((":", "=", "!", ">")):
        return index + 2
    # Inline flags: (?aiLmsux) or scoped (?aiLmsux-imsx:...)
    end = index + 1
    while end < len(pattern) and pattern[end] not in ":)":
        end += 1
    return end + 1 if end < len(pattern) and pattern[end] == ":" else end
