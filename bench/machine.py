"""What the machine was doing during a benchmark run, for the figures' header lines."""

from __future__ import annotations

import os


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, or ``n/a`` where the platform has none."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
