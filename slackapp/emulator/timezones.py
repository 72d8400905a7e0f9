"""Slack's user time-zone fields (``tz``, ``tz_label``, ``tz_offset``) computed with zoneinfo."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

_TZ_LABELS: Final = {
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "IST": "Irish Standard Time",
    "UTC": "Coordinated Universal Time",
    "WET": "Western European Time",
    "WEST": "Western European Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
}


def tz_fields(tz_name: str, at: float | None = None) -> dict[str, Any]:
    """Slack's ``tz``, ``tz_label`` and ``tz_offset`` (seconds east of UTC) for an IANA zone."""
    local = datetime.fromtimestamp(time.time() if at is None else at, UTC).astimezone(ZoneInfo(tz_name))
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    abbreviation = local.tzname() or ""
    label = _TZ_LABELS.get(abbreviation)
    if tz_name.startswith("Asia/") and abbreviation in {"IST", "CST"}:
        label = "India Standard Time" if abbreviation == "IST" else "China Standard Time"
    if label is None:
        sign = "+" if seconds >= 0 else "-"
        hours, minutes = divmod(abs(seconds) // 60, 60)
        label = f"GMT{sign}{hours:02d}:{minutes:02d}"
    return {"tz": tz_name, "tz_label": label, "tz_offset": seconds}
