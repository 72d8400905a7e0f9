"""Time-zone names found in calendar feeds → real time zones.

Calendar files name zones in several ways: IANA names (``Europe/Berlin``), Windows names
written by Outlook/Exchange (``W. Europe Standard Time``), "globally unique" vendor-prefixed
names (``/mozilla.org/20070129_1/Europe/Berlin``), quoted names and plain ``UTC``/``GMT``/``Z``.
Windows names are mapped with the CLDR ``windowsZones`` table that icalendar ships
(``icalendar.timezone.windows_to_olson``); we reuse it instead of keeping our own copy.

Names that we cannot resolve (for example an Outlook "Customized Time Zone") are left to the
feed's own VTIMEZONE definition, see :mod:`slackapp.calendar.vtimezone`.
"""

from __future__ import annotations

import functools
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

__all__ = ["WINDOWS_TO_IANA", "resolve_tzid", "windows_to_iana"]

#: Windows time-zone name → IANA name (CLDR windowsZones, territory "001"), as shipped by icalendar.
WINDOWS_TO_IANA: dict[str, str] = dict(WINDOWS_TO_OLSON)
_WINDOWS_FOLDED: dict[str, str] = {name.casefold(): iana for name, iana in WINDOWS_TO_IANA.items()}
_UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu", "etc/utc", "etc/gmt", "universal", "coordinated universal time"})
_MAX_NAME_LENGTH = 200


def windows_to_iana(name: str) -> str | None:
    """The IANA name for a Windows zone name (case-insensitive), or None."""
    cleaned = name.strip().strip('"').strip()
    return WINDOWS_TO_IANA.get(cleaned) or _WINDOWS_FOLDED.get(cleaned.casefold())


def _zoneinfo(key: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # unknown name, a path-like name ("../x"), a directory ("Europe") or an absurd name
        return None


@functools.lru_cache(maxsize=1024)
def resolve_tzid(name: str) -> tzinfo | None:
    """Resolve a TZID / X-WR-TIMEZONE value to a time zone, or None if it is unknown.

    Tried in order: UTC aliases, the IANA name, the Windows name (CLDR mapping), and for a
    vendor-prefixed "globally unique" TZID the longest trailing IANA name.
    """
    cleaned = name.strip().strip('"').strip()
    if not cleaned or len(cleaned) > _MAX_NAME_LENGTH:
        return None
    if cleaned.casefold() in _UTC_NAMES:
        return UTC
    direct = _zoneinfo(cleaned.strip("/"))
    if direct is not None:
        return direct
    iana = windows_to_iana(cleaned)
    if iana is not None:
        return _zoneinfo(iana)
    if "/" in cleaned:
        parts = [part for part in cleaned.split("/") if part]
        for first in range(1, len(parts)):
            candidate = _zoneinfo("/".join(parts[first:]))
            if candidate is not None:
                return candidate
    return None
