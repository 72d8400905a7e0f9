"""fetch_feed: every refusal path, redirects, 304, size limit, and no secret in any message.

HTTP is intercepted with ``responses``; DNS is an injected resolver. Two tests use real local
servers (HTTP and HTTPS with a throw-away certificate) to prove the connection goes to the
address that was checked, with the right Host header, SNI and certificate check.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from slackapp.calendar import FeedFetchError, FetchPolicy, FetchResult, describe_url, fetch_feed

SECRET = "private-7f3a9c1e2b5d48a6b0c4e8f1a2d3c5b7"
URL = f"https://calendar.example.com/feeds/{SECRET}/basic.ics"
BODY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
PUBLIC = "93.184.216.34"
POLICY = FetchPolicy()


def resolver_for(mapping: dict[str, list[str]]) -> Callable[[str], list[str]]:
    def resolve(host: str) -> list[str]:
        if host not in mapping:
            raise OSError("Name or service not known")
        return mapping[host]

    return resolve


PUBLIC_DNS = resolver_for(
    {"calendar.example.com": [PUBLIC], "cdn.example.net": ["2606:2800:220:1::1"], "other.example.org": [PUBLIC]}
)


def fetch(url: str = URL, **kwargs: Any) -> FetchResult:
    options: dict[str, Any] = {"policy": POLICY, "resolver": PUBLIC_DNS}
    options.update(kwargs)
    return fetch_feed(url, **options)


def failure(url: str = URL, **kwargs: Any) -> FeedFetchError:
    with pytest.raises(FeedFetchError) as caught:
        fetch(url, **kwargs)
    assert_no_secret(caught.value)
    return caught.value


def assert_no_secret(error: BaseException) -> None:
    """Neither the message nor anything chained to it may carry the URL's secret."""
    seen: BaseException | None = error
    while seen is not None:
        for text in (str(seen), repr(seen), *map(str, seen.args)):
            assert SECRET not in text
            assert "calendar.example.com" not in text
        seen = seen.__cause__ or seen.__context__


# --- success paths ----------------------------------------------------------------------------------


@responses.activate
def test_ok_returns_body_and_validators() -> None:
    responses.get(URL, body=BODY, headers={"ETag": '"v1"', "Last-Modified": "Tue, 10 Nov 2026 09:00:00 GMT"})
    assert fetch() == FetchResult(status="ok", body=BODY, etag='"v1"', last_modified="Tue, 10 Nov 2026 09:00:00 GMT")
    sent = responses.calls[0].request
    assert sent.headers["Host"] == "calendar.example.com"
    assert "text/calendar" in sent.headers["Accept"]
    assert "If-None-Match" not in sent.headers


@responses.activate
def test_conditional_request_and_304() -> None:
    responses.get(URL, status=304, headers={"ETag": '"v2"'})
    result = fetch(etag='"v1"', last_modified="Tue, 10 Nov 2026 09:00:00 GMT")
    assert result == FetchResult(
        status="not_modified", body=None, etag='"v2"', last_modified="Tue, 10 Nov 2026 09:00:00 GMT"
    )
    sent = responses.calls[0].request
    assert sent.headers["If-None-Match"] == '"v1"'
    assert sent.headers["If-Modified-Since"] == "Tue, 10 Nov 2026 09:00:00 GMT"


@responses.activate
def test_304_without_validators_keeps_the_old_ones() -> None:
    responses.get(URL, status=304)
    assert fetch(etag='"v1"').etag == '"v1"'


@responses.activate
def test_webcal_is_fetched_over_https() -> None:
    responses.get(URL, body=BODY)
    assert fetch(URL.replace("https://", "webcal://")).body == BODY
    assert responses.calls[0].request.url == URL


@responses.activate
def test_scheme_is_case_insensitive() -> None:
    responses.get(URL, body=BODY)
    assert fetch(URL.replace("https://", "HTTPS://")).body == BODY
    assert fetch(URL.replace("https://", "WebCal://")).body == BODY


@responses.activate
def test_http_only_when_allowed() -> None:
    responses.get(URL.replace("https", "http"), body=BODY)
    assert fetch(URL.replace("https", "http"), policy=FetchPolicy(allow_http=True)).body == BODY


@responses.activate
def test_body_at_exactly_the_limit_is_accepted() -> None:
    responses.get(URL, body=b"x" * 1000)
    assert fetch(policy=FetchPolicy(max_bytes=1000)).body == b"x" * 1000


@responses.activate
def test_redirects_are_followed_and_rechecked() -> None:
    second = "https://cdn.example.net/moved/abc.ics"
    third = "https://other.example.org/final.ics"
    responses.get(URL, status=301, headers={"Location": second})
    responses.get(second, status=302, headers={"Location": "webcal://other.example.org/final.ics"})
    responses.get(third, body=BODY)
    seen: list[str] = []

    def resolve(host: str) -> list[str]:
        seen.append(host)
        return PUBLIC_DNS(host)

    assert fetch(resolver=resolve).body == BODY
    assert seen == ["calendar.example.com", "cdn.example.net", "other.example.org"]


@responses.activate
def test_relative_redirect() -> None:
    responses.get(URL, status=307, headers={"Location": "/v2/feed.ics"})
    responses.get("https://calendar.example.com/v2/feed.ics", body=BODY)
    assert fetch().body == BODY


# --- refusals before any request ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (URL.replace("https", "http"), "must start with https:// (plain http is not allowed)"),
        (URL.replace("https", "ftp"), "must be an https:// (or webcal://) link"),
        (f"file:///etc/{SECRET}", "is not a valid link"),
        (f"javascript:alert('{SECRET}')", "is not a valid link"),
        (f"https:///{SECRET}", "is not a valid link"),
        (f"https://calendar.example.com:99999/{SECRET}", "is not a valid link"),
        (f"{SECRET}.ics", "is not a valid link"),
        ("https://calendar.example.com/" + SECRET * 200, "too long"),
    ],
)
@responses.activate
def test_bad_addresses_are_refused(url: str, reason: str) -> None:
    assert reason in failure(url).reason
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.5",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:db8::1",  # documentation
    ],
)
@responses.activate
def test_private_and_special_addresses_are_refused(address: str) -> None:
    error = failure(resolver=resolver_for({"calendar.example.com": [address]}))
    assert error.reason == (
        "the calendar address points to a private or internal network address, which is not allowed"
    )
    assert not error.retryable
    assert len(responses.calls) == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "[::ffff:169.254.169.254]", "10.0.0.7"])
@responses.activate
def test_ip_literal_hosts_are_checked_without_dns(host: str) -> None:
    def no_dns(name: str) -> list[str]:
        raise AssertionError("an IP literal needs no DNS")

    assert "private or internal" in failure(f"https://{host}/{SECRET}.ics", resolver=no_dns).reason


@responses.activate
def test_any_private_address_among_several_is_refused() -> None:
    mixed = resolver_for({"calendar.example.com": [PUBLIC, "10.0.0.1"]})
    assert "private or internal" in failure(resolver=mixed).reason


@responses.activate
def test_allowed_hosts_may_be_private() -> None:
    responses.get(URL, body=BODY)
    policy = FetchPolicy(allowed_hosts=frozenset({"Calendar.Example.com"}))
    assert fetch(policy=policy, resolver=resolver_for({"calendar.example.com": ["10.0.0.1"]})).body == BODY


@responses.activate
def test_unknown_host_name() -> None:
    error = failure(resolver=resolver_for({}))
    assert error.reason == "the calendar server's name could not be found"
    assert error.retryable


@responses.activate
def test_redirect_to_a_private_address_is_refused() -> None:
    responses.get(URL, status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    assert "private or internal" in failure(policy=FetchPolicy(allow_http=True)).reason
    assert len(responses.calls) == 1


@responses.activate
def test_redirect_to_an_internal_name_is_refused() -> None:
    responses.get(URL, status=302, headers={"Location": "https://intranet.corp/feed.ics"})
    resolve = resolver_for({"calendar.example.com": [PUBLIC], "intranet.corp": ["192.168.0.10"]})
    assert "private or internal" in failure(resolver=resolve).reason


@responses.activate
def test_redirect_to_http_is_refused() -> None:
    responses.get(URL, status=301, headers={"Location": "http://other.example.org/feed.ics"})
    assert "plain http is not allowed" in failure().reason


@responses.activate
def test_too_many_redirects() -> None:
    responses.get(URL, status=302, headers={"Location": URL})
    error = failure(policy=FetchPolicy(max_redirects=3))
    assert error.reason == "the calendar address redirected too many times"
    assert len(responses.calls) == 4


@responses.activate
def test_redirect_without_location() -> None:
    responses.get(URL, status=302)
    assert failure().reason == "the calendar server sent a redirect without a destination"


# --- HTTP answers and transport errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "retryable"),
    [
        (401, "the calendar address was refused (401) — it may be private or have been reset", False),
        (403, "the calendar address was refused (403) — it may be private or have been reset", False),
        (404, "the calendar address was not found (404) — it may have been reset", False),
        (410, "the calendar address was not found (410) — it may have been reset", False),
        (418, "the calendar server refused the request (418)", False),
        (429, "the calendar server asked us to slow down (429); we will try again later", True),
        (500, "the calendar server had a problem (500); we will try again later", True),
        (503, "the calendar server had a problem (503); we will try again later", True),
        (300, "the calendar server refused the request (300)", False),
    ],
)
@responses.activate
def test_http_errors(status: int, reason: str, retryable: bool) -> None:
    responses.get(URL, status=status, body=f"error page mentioning {SECRET}")
    error = failure()
    assert (error.reason, error.retryable, error.status_code) == (reason, retryable, status)


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (requests.exceptions.ConnectTimeout(f"timed out connecting to {URL}"), "did not answer within 10 seconds"),
        (requests.exceptions.ReadTimeout(f"read timed out: {URL}"), "did not answer within 10 seconds"),
        (requests.exceptions.SSLError(f"certificate verify failed for {URL}"), "certificate could not be verified"),
        (requests.exceptions.ConnectionError(f"refused: {URL}"), "could not be reached"),
        (requests.exceptions.TooManyRedirects(f"loop: {URL}"), "could not be downloaded"),
    ],
)
@responses.activate
def test_transport_errors_never_carry_the_url(raised: Exception, reason: str) -> None:
    responses.get(URL, body=raised)
    error = failure()
    assert reason in error.reason
    assert error.__context__ is None and error.__cause__ is None


@responses.activate
def test_declared_size_over_the_limit() -> None:
    responses.get(URL, body=b"x" * 10, headers={"Content-Length": "6000000"}, auto_calculate_content_length=False)
    assert failure().reason == "the calendar is larger than 5 MB"


@responses.activate
def test_streamed_size_over_the_limit() -> None:
    responses.get(URL, body=b"x" * 1001, auto_calculate_content_length=False)  # no Content-Length
    assert failure(policy=FetchPolicy(max_bytes=1000)).reason == "the calendar is larger than 1 KB"


@responses.activate
def test_no_exception_message_contains_the_secret_path() -> None:
    """Walk every failure kind once more with the secret in the query string as well."""
    url = f"https://calendar.example.com/{SECRET}/feed.ics?token={SECRET}"
    responses.get(url, status=404)
    for kwargs in (
        {},
        {"resolver": resolver_for({})},
        {"resolver": resolver_for({"calendar.example.com": ["127.0.0.1"]})},
        {"policy": FetchPolicy(max_redirects=0)},
    ):
        with pytest.raises(FeedFetchError) as caught:
            fetch(url, **kwargs)
        assert_no_secret(caught.value)


# --- describe_url ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "https://calendar.example.com/….ics"),
        ("webcal://p12-caldav.icloud.com/published/2/MTIzNDU2Nzg5", "webcal://p12-caldav.icloud.com/…Nzg5"),
        ("https://user:pw@host.example:8443/x/secretpath", "https://host.example:8443/…path"),
        (
            "https://outlook.office365.com/owa/calendar/abc/def/reachcalendar.ics?x=1",
            "https://outlook.office365.com/…?x=1",
        ),
        ("https://[2001:db8::1]/abcdef", "https://[2001:db8::1]/…cdef"),
        ("https://host.example", "https://host.example/…"),
        ("not a url", "(invalid address)"),
        ("https://host:bad/x", "(invalid address)"),
    ],
)
def test_describe_url(url: str, shown: str) -> None:
    assert describe_url(url) == shown
    assert "pw" not in describe_url(url)


# --- real connections: the checked address is the one connected to --------------------------------------


class _Handler(BaseHTTPRequestHandler):
    hosts: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hosts.append(self.headers.get("Host", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.hosts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_connects_to_the_vetted_address_with_the_real_host_header(local_server: ThreadingHTTPServer) -> None:
    port = local_server.server_address[1]
    # "feeds.test" does not exist in real DNS: success proves we connected to the resolver's answer.
    result = fetch_feed(
        f"http://feeds.test:{port}/{SECRET}.ics",
        policy=FetchPolicy(allow_http=True, allowed_hosts=frozenset({"feeds.test"})),
        resolver=resolver_for({"feeds.test": ["127.0.0.1"]}),
    )
    assert result.body == BODY
    assert _Handler.hosts == [f"feeds.test:{port}"]


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert_path, key_path = _certificate(tmp_path, "feeds.test")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _Handler.hosts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert_path
    server.shutdown()
    server.server_close()


def test_https_to_a_pinned_address_keeps_sni_and_certificate_checks(tls_server: tuple[int, Path]) -> None:
    port, cert_path = tls_server
    session = requests.Session()
    session.verify = str(cert_path)
    policy = FetchPolicy(allowed_hosts=frozenset({"feeds.test", "wrong.test"}))
    result = fetch_feed(
        f"https://feeds.test:{port}/{SECRET}.ics",
        policy=policy,
        session=session,
        resolver=resolver_for({"feeds.test": ["127.0.0.1"]}),
    )
    assert result.body == BODY
    assert _Handler.hosts == [f"feeds.test:{port}"]
    # Same server and address, but a name its certificate does not cover: refused.
    with pytest.raises(FeedFetchError) as caught:
        fetch_feed(
            f"https://wrong.test:{port}/{SECRET}.ics",
            policy=policy,
            session=session,
            resolver=resolver_for({"wrong.test": ["127.0.0.1"]}),
        )
    assert caught.value.reason == "the calendar server's security certificate could not be verified"
    assert_no_secret(caught.value)
