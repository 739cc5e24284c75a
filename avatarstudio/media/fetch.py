"""Fetch a URL someone gave us without letting it reach inside our network.

Every connection, the first and each redirect's, resolves the host itself and refuses any
address that is not public (loopback, private, link-local such as cloud metadata, multicast,
reserved), so a DNS answer cannot be swapped between the check and the connection. The
configured provider's own host may be allowed explicitly: the simulator lives on loopback.
"""

from __future__ import annotations

import io
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

CHUNK_BYTES = 64 * 1024


class UnsafeURL(ValueError):
    """A URL we will not fetch: not http(s), on a port other than ``FETCH_ALLOWED_PORTS``, or
    pointing at a private address."""


class TooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class Incomplete(ValueError):
    """The answer ended before its announced length: a broken download."""


# IPv6 ranges that carry an IPv4 address a gateway may reach on our behalf: NAT64 (well-known
# and local-use prefixes) and the deprecated IPv4-compatible form. Python calls some "global".
EMBEDDED_IPV4 = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in network for network in EMBEDDED_IPV4):
            return False
    return ip.is_global and not ip.is_multicast


class GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self.allowed_hosts = {host.lower() for host in allowed_hosts if host}

    def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.NetworkStream:
        if host.lower() in self.allowed_hosts:
            return super().connect_tcp(host, port, *args, **kwargs)
        if port not in settings.FETCH_ALLOWED_PORTS:
            raise UnsafeURL(f"only ports {_ports()} are fetched, not {port}")
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise UnsafeURL(f"the host {host!r} could not be found") from None
        addresses = [answer[4][0] for answer in answers]
        if not addresses or not all(is_public(address) for address in addresses):
            raise UnsafeURL(f"the host {host!r} points inside a private network")
        return super().connect_tcp(addresses[0], port, *args, **kwargs)


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowed_hosts: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(trust_env=False, **kwargs)
        self._pool._network_backend = GuardedBackend(allowed_hosts)


def _ports() -> str:
    return " and ".join(str(port) for port in settings.FETCH_ALLOWED_PORTS)


def check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("only http and https addresses can be fetched")
    if parts.username or parts.password:
        raise UnsafeURL("addresses with a user name or password are not fetched")


def stream_to(
    url: str,
    destination: BinaryIO,
    *,
    max_bytes: int,
    timeout: float = 20.0,
    allowed_hosts: Iterable[str] = (),
    transport: httpx.BaseTransport | None = None,
    max_redirects: int = 3,
) -> int:
    """Copy ``url`` into ``destination`` piece by piece; return the number of bytes written."""
    check_scheme(url)
    transport = transport or GuardedTransport(allowed_hosts)
    with (
        httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=True,
            max_redirects=max_redirects,
            headers={"User-Agent": "AvatarStudio"},
        ) as client,
        client.stream("GET", url) as response,
    ):
        check_scheme(str(response.url))
        response.raise_for_status()
        announced = response.headers.get("content-length")
        if announced and announced.isdigit() and int(announced) > max_bytes:
            raise TooLarge(max_bytes)
        written = 0
        for chunk in response.iter_bytes(CHUNK_BYTES):
            written += len(chunk)
            if written > max_bytes:
                raise TooLarge(max_bytes)
            destination.write(chunk)
    if announced and announced.isdigit() and written != int(announced):
        raise Incomplete(f"received {written} of {announced} bytes")
    return written


def fetch_bytes(url: str, *, max_bytes: int, timeout: float = 15.0, **kwargs: Any) -> bytes:
    """A small file (a photo) from a URL, in memory; the cap keeps it small."""
    buffer = io.BytesIO()
    stream_to(url, buffer, max_bytes=max_bytes, timeout=timeout, **kwargs)
    return buffer.getvalue()


def provider_hosts() -> set[str]:
    """Hosts the provider's own answers may point at even when they are not public."""
    host = urlsplit(settings.COMETAPI_BASE_URL).hostname
    return {host} if host else set()


__all__ = ["GuardedTransport", "Incomplete", "TooLarge", "UnsafeURL", "fetch_bytes", "stream_to"]
