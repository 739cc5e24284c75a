"""Fetch a URL someone gave us without letting it reach inside our network.

Every connection, the first and each redirect's, resolves the host itself and refuses any
address that is not public (loopback, private, link-local such as cloud metadata, multicast,
reserved), so a DNS answer cannot be swapped between the check and the connection. The
configured provider's own host may be allowed explicitly: the simulator lives on loopback.

A fetch may also have a total deadline. The per-read timeout alone lets a server that sends a
byte every few seconds hold a web thread for as long as it likes, so every read and write on
the connections (headers, body, TLS handshake, redirects) waits at most until the deadline.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
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


class TooSlow(ValueError):
    """The whole answer did not arrive within the fetch's total deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"not downloaded within {seconds:g} seconds")
        self.seconds = seconds


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


class Deadline:
    """A moment after which a fetch gives up, whatever each read's own timeout says."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def timeout(self, timeout: float | None) -> float | None:
        """The shorter of ``timeout`` and the time left; TooSlow once none is left."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise TooSlow(self.seconds)
        return left if timeout is None else min(timeout, left)

    @contextlib.contextmanager
    def enforced(self) -> Iterator[None]:
        """Report a wait cut short by the deadline as TooSlow, not as an ordinary timeout."""
        try:
            yield
        except httpcore.TimeoutException:
            if self.at is not None and time.monotonic() >= self.at:
                raise TooSlow(self.seconds) from None
            raise


class DeadlineStream(httpcore.NetworkStream):
    """A connection on which no read or write waits past the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self.stream, self.deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with self.deadline.enforced():
            return self.stream.read(max_bytes, self.deadline.timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with self.deadline.enforced():
            self.stream.write(buffer, self.deadline.timeout(timeout))

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        with self.deadline.enforced():
            secure = self.stream.start_tls(
                ssl_context, server_hostname, self.deadline.timeout(timeout)
            )
        return DeadlineStream(secure, self.deadline)

    def close(self) -> None:
        self.stream.close()

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allowed_hosts: Iterable[str] = (), deadline: Deadline | None = None) -> None:
        self.allowed_hosts = {host.lower() for host in allowed_hosts if host}
        self.deadline = deadline or Deadline(None)

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, **kwargs: Any
    ) -> httpcore.NetworkStream:
        if host.lower() not in self.allowed_hosts:
            host = self._public_address(host, port)
        with self.deadline.enforced():
            stream = super().connect_tcp(host, port, self.deadline.timeout(timeout), **kwargs)
        return DeadlineStream(stream, self.deadline)

    def _public_address(self, host: str, port: int) -> str:
        if port not in settings.FETCH_ALLOWED_PORTS:
            raise UnsafeURL(f"only ports {_ports()} are fetched, not {port}")
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise UnsafeURL(f"the host {host!r} could not be found") from None
        addresses = [answer[4][0] for answer in answers]
        if not addresses or not all(is_public(address) for address in addresses):
            raise UnsafeURL(f"the host {host!r} points inside a private network")
        return addresses[0]


class GuardedTransport(httpx.HTTPTransport):
    def __init__(
        self, allowed_hosts: Iterable[str] = (), deadline: Deadline | None = None, **kwargs: Any
    ) -> None:
        super().__init__(trust_env=False, **kwargs)
        self._pool._network_backend = GuardedBackend(allowed_hosts, deadline)


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
    deadline: float | None = None,
) -> int:
    """Copy ``url`` into ``destination`` piece by piece; return the number of bytes written.

    ``timeout`` bounds each wait; ``deadline`` (seconds) the whole fetch, redirects included.
    The deadline lives in the guarded transport made here, so it cannot go with a caller's
    own ``transport``.
    """
    check_scheme(url)
    if transport is not None and deadline is not None:
        raise ValueError("a deadline needs the guarded transport stream_to makes")
    transport = transport or GuardedTransport(allowed_hosts, Deadline(deadline))
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


def fetch_bytes(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 15.0,
    deadline: float | None = None,
    **kwargs: Any,
) -> bytes:
    """A small file (a photo) from a URL, in memory, while a web request waits: the cap keeps
    it small and the deadline (``PHOTO_FETCH_DEADLINE_SECONDS`` unless given) keeps it short.
    """
    buffer = io.BytesIO()
    deadline = settings.PHOTO_FETCH_DEADLINE_SECONDS if deadline is None else deadline
    stream_to(url, buffer, max_bytes=max_bytes, timeout=timeout, deadline=deadline, **kwargs)
    return buffer.getvalue()


def provider_hosts() -> set[str]:
    """Hosts the provider's own answers may point at even when they are not public."""
    host = urlsplit(settings.COMETAPI_BASE_URL).hostname
    return {host} if host else set()


__all__ = [
    "GuardedTransport",
    "Incomplete",
    "TooLarge",
    "TooSlow",
    "UnsafeURL",
    "fetch_bytes",
    "stream_to",
]
