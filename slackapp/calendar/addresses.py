"""Where a feed may be fetched from: address checks and connecting to the checked address.

See :mod:`slackapp.calendar.fetch` for the policy. Kept apart so the fetcher reads as HTTP logic.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

__all__ = ["AddressRefused", "PinnedAdapter", "Resolver", "host_header", "system_resolver", "vet_host"]

Resolver = Callable[[str], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The host may not be fetched from; ``reason`` is for the feed's owner (no URL in it)."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def vet_host(host: str, allowed_hosts: frozenset[str], resolve: Resolver) -> str:
    """The address to connect to, after checking every address the host resolves to."""
    allowed = host in {name.lower() for name in allowed_hosts}
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        failure: AddressRefused | None = None
        try:
            addresses = list(resolve(host))
        except (OSError, UnicodeError, ValueError):
            failure = AddressRefused("the calendar server's name could not be found", retryable=True)
        if failure is not None:
            raise failure
    if not addresses:
        raise AddressRefused("the calendar server's name could not be found", retryable=True)
    if not allowed:
        for address in addresses:
            if not _is_public(address):
                raise AddressRefused(
                    "the calendar address points to a private or internal network address, which is not allowed"
                )
    return addresses[0]


def _is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            candidates.append(ip.sixtofour)
        if ip.teredo is not None:
            candidates.extend(ip.teredo)
        if ip in _NAT64:
            candidates.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return all(
        candidate.is_global
        and not (
            candidate.is_private
            or candidate.is_loopback
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
        )
        for candidate in candidates
    )


def system_resolver(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def host_header(host: str, port: int | None, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port in (None, default) else f"{shown}:{port}"


class PinnedAdapter(HTTPAdapter):
    """An HTTPAdapter that connects to the vetted address for each host name (see module doc)."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self.pins: dict[str, str] = {}

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> Any:
        tls_verify = True if verify is None else verify
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, tls_verify, cert)
        hostname = str(host_params["host"]).lower()
        address = self.pins.get(hostname)
        if address is None:  # never connect to a host we did not check
            raise requests.ConnectionError("unvetted host")
        pool: dict[str, Any] = dict(pool_kwargs)
        if host_params["scheme"] == "https":
            pool.update(server_hostname=hostname, assert_hostname=hostname)
        return self.poolmanager.connection_from_host(
            host=address, port=host_params["port"], scheme=host_params["scheme"], pool_kwargs=pool
        )
