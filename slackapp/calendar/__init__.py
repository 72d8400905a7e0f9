"""Calendar feeds: safe fetching of private ICS URLs and parsing them into occurrences.

Pure code: no database, no Slack. See :func:`parse_feed` and :func:`fetch_feed`.
"""

from slackapp.calendar.fetch import FeedFetchError, FetchPolicy, FetchResult, describe_url, fetch_feed
from slackapp.calendar.parse import FeedRejected, Occurrence, ParseResult, parse_feed
from slackapp.calendar.timezones import resolve_tzid

__all__ = [
    "FeedFetchError",
    "FeedRejected",
    "FetchPolicy",
    "FetchResult",
    "Occurrence",
    "ParseResult",
    "describe_url",
    "fetch_feed",
    "parse_feed",
    "resolve_tzid",
]
