"""Fetch a private calendar feed URL safely.

The URL is a secret (whoever has it reads the calendar) and it is chosen by a user, so:

* it never appears in an exception, message or log; use :func:`describe_url` to show it;
* only https (``webcal://`` is read as https) unless the policy allows http;
* every hop (the first request and each redirect, followed by hand, at most ``max_redirects``)
  is checked: the host name is resolved and refused if *any* address is private, loopback,
  link-local, multicast, reserved, unspecified or otherwise not globally routable (IPv4 and
  IPv6, including IPv4-mapped, 6to4, Teredo and NAT64 forms), unless the host is allow-listed;
* the connection then goes to the address that was checked (not to a fresh DNS answer), so a
  DNS-rebinding server cannot swap in an internal address between the check and the connect;
  the Host header, TLS SNI and certificate check still use the host name;
* environment proxies are not used (a proxy would resolve names itself, defeating the check),
  nor ~/.netrc credentials;
* the body is streamed and abandoned past ``max_bytes`` (after decompression), and the whole
  fetch must finish within ``timeout_seconds``;
* conditional requests (If-None-Match / If-Modified-Since) turn a 304 into ``not_modified``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import requests

from slackapp.calendar.addresses import AddressRefused, PinnedAdapter, Resolver, host_header, system_resolver, vet_host

__all__ = ["FeedFetchError", "FetchPolicy", "FetchResult", "describe_url", "fetch_feed"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_URL_LENGTH = 4096
_CHUNK = 64 * 1024
_ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"
_USER_AGENT = "Flowcoach calendar reader (+https://github.com/flowcoach)"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    allow_http: bool = False  # HTTPS-only by default
    allowed_hosts: frozenset[str] = frozenset()  # hosts that may resolve to private/loopback addresses
    max_bytes: int = 5_000_000
    timeout_seconds: float = 10.0  # for the whole fetch, redirects and body included
    max_redirects: int = 3


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: Literal["ok", "not_modified"]
    body: bytes | None
    etag: str | None
    last_modified: str | None


class FeedFetchError(Exception):
    """The feed could not be fetched. ``reason`` is a sentence for the feed's owner, without the URL.

    ``retryable`` is True for passing trouble (timeouts, 5xx, 429, connection drops) and False
    when the address itself is wrong or refused.
    """

    def __init__(self, reason: str, *, retryable: bool = False, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status_code = status_code


def describe_url(url: str) -> str:
    """A safe way to show a feed URL: ``scheme://host/…`` plus the last 4 characters of the path."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(invalid address)"
    if not parts.scheme or not host:
        return "(invalid address)"
    shown_host = f"[{host}]" if ":" in host else host
    if port is not None:
        shown_host += f":{port}"
    tail = (parts.path + (f"?{parts.query}" if parts.query else ""))[-4:]
    return f"{parts.scheme.lower()}://{shown_host}/…{tail}"


def fetch_feed(
    url: str,
    *,
    policy: FetchPolicy,
    etag: str | None = None,
    last_modified: str | None = None,
    session: requests.Session | None = None,
    resolver: Resolver | None = None,
) -> FetchResult:
    """GET the feed. Raises FeedFetchError (never with the URL in it) when it cannot be had."""
    resolve = resolver or system_resolver
    own_session = session is None
    http = session if session is not None else requests.Session()
    if own_session:
        http.trust_env = False  # no ~/.netrc credentials or environment settings for user-chosen hosts
    adapter = PinnedAdapter()
    deadline = time.monotonic() + policy.timeout_seconds
    headers = {"Accept": _ACCEPT, "User-Agent": _USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        current = _normalise(url, policy)
        for _hop in range(policy.max_redirects + 1):
            response = _get(http, adapter, current, headers, policy, resolve, deadline)
            with response:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise FeedFetchError("the calendar server sent a redirect without a destination")
                    current = _normalise(urljoin(current, location), policy)
                    continue
                return _result(response, policy, etag, last_modified, deadline)
        raise FeedFetchError("the calendar address redirected too many times")
    finally:
        adapter.close()
        if own_session:
            http.close()


def _normalise(url: str, policy: FetchPolicy) -> str:
    url = url.strip()
    if len(url) > _MAX_URL_LENGTH:
        raise FeedFetchError("the calendar address is too long to be a valid link")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        parts = None
    if parts is None or not parts.hostname:
        raise FeedFetchError("the calendar address is not a valid link")
    scheme = parts.scheme.lower()
    rest = url[len(parts.scheme) :]
    if scheme in ("webcal", "webcals", "https"):
        return "https" + rest
    if scheme == "http":
        if policy.allow_http:
            return "http" + rest
        raise FeedFetchError("the calendar address must start with https:// (plain http is not allowed)")
    raise FeedFetchError("the calendar address must be an https:// (or webcal://) link")


def _get(
    http: requests.Session,
    adapter: PinnedAdapter,
    url: str,
    headers: Mapping[str, str],
    policy: FetchPolicy,
    resolve: Resolver,
    deadline: float,
) -> requests.Response:
    failure: FeedFetchError | None = None
    try:
        prepared = http.prepare_request(requests.Request("GET", url, headers=dict(headers)))
    except (requests.RequestException, ValueError, UnicodeError):
        failure = FeedFetchError("the calendar address is not a valid link")
    if failure is not None:
        raise failure
    parts = urlsplit(prepared.url or "")
    host = (parts.hostname or "").lower()  # IDNA-encoded by requests
    try:
        adapter.pins[host] = vet_host(host, policy.allowed_hosts, resolve)
    except AddressRefused as refused:
        failure = FeedFetchError(refused.reason, retryable=refused.retryable)
    if failure is not None:
        raise failure
    prepared.headers["Host"] = host_header(host, parts.port, parts.scheme.lower())
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timeout(policy)
    verify = http.verify if http.verify is not None else True
    try:
        return adapter.send(prepared, stream=True, timeout=(remaining, remaining), verify=verify, proxies={})
    except requests.Timeout:
        failure = _timeout(policy)
    except requests.exceptions.SSLError:
        failure = FeedFetchError("the calendar server's security certificate could not be verified")
    except requests.ConnectionError:
        failure = FeedFetchError("the calendar server could not be reached", retryable=True)
    except requests.RequestException:
        failure = FeedFetchError("the calendar could not be downloaded", retryable=True)
    # Raised outside the except blocks: the library's exception (whose text holds the URL)
    # must not travel along as __context__ into logs.
    raise failure


def _result(
    response: requests.Response,
    policy: FetchPolicy,
    etag: str | None,
    last_modified: str | None,
    deadline: float,
) -> FetchResult:
    status = response.status_code
    if status == 304:
        return FetchResult(
            status="not_modified",
            body=None,
            etag=response.headers.get("ETag") or etag,
            last_modified=response.headers.get("Last-Modified") or last_modified,
        )
    if status >= 400 or not 200 <= status < 300:
        raise _http_error(status)
    body = _read(response, policy, deadline)
    return FetchResult(
        status="ok",
        body=body,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _read(response: requests.Response, policy: FetchPolicy, deadline: float) -> bytes:
    too_large = FeedFetchError(f"the calendar is larger than {_size(policy.max_bytes)}")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes and "Content-Encoding" not in response.headers:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    failure: FeedFetchError | None = None
    try:
        for chunk in response.iter_content(chunk_size=_CHUNK):
            total += len(chunk)
            if total > policy.max_bytes:
                failure = too_large
                break
            if time.monotonic() > deadline:
                failure = _timeout(policy)
                break
            chunks.append(chunk)
    except requests.RequestException:
        failure = FeedFetchError("the calendar download was interrupted", retryable=True)
    if failure is not None:
        raise failure
    return b"".join(chunks)


def _http_error(status: int) -> FeedFetchError:
    if status in (401, 403):
        reason = f"the calendar address was refused ({status}) — it may be private or have been reset"
        return FeedFetchError(reason, status_code=status)
    if status in (404, 410):
        reason = f"the calendar address was not found ({status}) — it may have been reset"
        return FeedFetchError(reason, status_code=status)
    if status == 429:
        reason = "the calendar server asked us to slow down (429); we will try again later"
        return FeedFetchError(reason, retryable=True, status_code=status)
    if status >= 500:
        reason = f"the calendar server had a problem ({status}); we will try again later"
        return FeedFetchError(reason, retryable=True, status_code=status)
    return FeedFetchError(f"the calendar server refused the request ({status})", status_code=status)


def _timeout(policy: FetchPolicy) -> FeedFetchError:
    return FeedFetchError(
        f"the calendar server did not answer within {policy.timeout_seconds:g} seconds", retryable=True
    )


def _size(max_bytes: int) -> str:
    if max_bytes >= 1_000_000:
        return f"{max_bytes / 1_000_000:g} MB"
    return f"{max_bytes / 1000:g} KB"
