"""Writing a content library to a directory and collecting what the loader says is wrong with it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from slackapp.content import ContentError, ContentProblem, load_content


def write_library(directory: Path, files: Mapping[str, tuple[str, str]], **texts: str) -> dict[str, Path]:
    """Write ``files`` (kind → (relative path, text)), with some kinds' text replaced; returns the paths by kind."""
    assert set(texts) <= set(files)
    paths: dict[str, Path] = {}
    for kind, (name, text) in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts.get(kind, text), encoding="utf-8")
        paths[kind] = path
    return paths


def problems(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    assert all(isinstance(problem, ContentProblem) for problem in caught.value.problems)
    return [str(problem) for problem in caught.value.problems]


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)
