"""The safety checks on authors' regular expressions (``slackapp.content.patterns``)."""

from __future__ import annotations

import re

import pytest

from slackapp.content.patterns import PATTERN_MAX, compile_pattern, has_nested_quantifier, pattern_problem


@pytest.mark.parametrize(
    "pattern",
    [
        "(a+)+",
        "(a*)*",
        r"(\w+\s?)*",
        "(?:x{2,}){3}",
        "((ab)*c){2,}",
        "((a+))+",
        "((a+)?)*",
        "(?P<word>a+)+",
        "(?i:a*)+",
        "(?=a+)+",
        "(a+){,3}",
        "(a+){,}",
        "(a{1,3})+",
        "(a++)+",
        "(a+?)*?",
        "(b)?(?(1)a+|c)+",
        r"^(\d+\s*)+$",
    ],
)
def test_nested_quantifiers_are_detected(pattern: str) -> None:
    re.compile(pattern)  # every example is valid Python
    assert has_nested_quantifier(pattern)
    assert pattern_problem(pattern) == (
        "has nested quantifiers (a repeated group that itself contains a repeat, like '(a+)+'), which can make "
        "matching extremely slow; rewrite it without the outer repeat"
    )


@pytest.mark.parametrize(
    "pattern",
    [
        "a+b+",
        "(ab)+",
        "(?:a|b)+",
        "x(a?)+",
        "(a{2})+",
        "(a+){1}",
        "x(a+)?",
        "(a{}b)+",
        "[(a+)]+",
        r"[\](a+)]+",
        r"\(a+\)+",
        r"(?<=x)(\d+)x",
        "(?#note: a+ then b)a+",
        r"(?P<name>a)(?P=name)+",
        r"\bcatch[\s-]?up\b",
        r"(?<![\w:.])1\s?(?:[:/x–—-]|-?\s?on\s?-?|\sto\s)\s?1(?![:/.]?\d)",
    ],
)
def test_safe_patterns_pass(pattern: str) -> None:
    re.compile(pattern)
    assert not has_nested_quantifier(pattern)
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "must not be empty"),
        ("a" * (PATTERN_MAX + 1), f"is too long ({PATTERN_MAX + 1} characters; at most {PATTERN_MAX})"),
        ("(1:1", "is not a valid regular expression: missing ), unterminated subpattern at position 0"),
        ("x*", "matches empty text, so it would match every event"),
        ("1:1|", "matches empty text, so it would match every event"),
        ("^", "matches empty text, so it would match every event"),
    ],
)
def test_other_pattern_problems(pattern: str, problem: str) -> None:
    assert pattern_problem(pattern) == problem


def test_compiled_patterns_ignore_case() -> None:
    assert compile_pattern(r"\bone-on-one\b").search("ONE-ON-ONE with Sam")
    with pytest.raises(ValueError, match=r"^pattern is not a valid regular expression"):
        compile_pattern("[")
