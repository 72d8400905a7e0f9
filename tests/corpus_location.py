"""Where the shared third-party test corpus is (read in place, never copied into the repository).

In order: ``$FLOWCOACH_CORPUS``; ``../shared/corpus`` next to the checkout (CI and the work tree);
for a clone of a local checkout, ``../shared/corpus`` next to the checkout it was cloned from.
Tests that need it fail (never skip) when none of these exists.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _origin_checkout() -> Path | None:
    try:
        url = subprocess.run(["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
                             capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://")) if url else None
    return path if path is not None and path.is_dir() else None


def find_corpus() -> Path:
    candidates = [Path(os.environ["FLOWCOACH_CORPUS"])] if os.environ.get("FLOWCOACH_CORPUS") else []
    candidates.append(REPO.parent / "shared" / "corpus")
    origin = _origin_checkout()
    if origin is not None:
        candidates.append(origin.resolve().parent / "shared" / "corpus")
    return next((c for c in candidates if c.is_dir()), candidates[0])


CORPUS = find_corpus()
