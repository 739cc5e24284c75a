"""Fetching a URL someone gave us: only public http(s) addresses, capped, complete."""

from __future__ import annotations

import io
import socket

import httpx
import pytest

from avatarstudio.media.fetch import (
    Incomplete,
    TooLarge,
    TooSlow,
    UnsafeURL,
    fetch_bytes,
    is_public,
    stream_to,
)
from avatarstudio.simulator.faults import Fault
from tests.slow_server import DrippingServer


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "fe80::1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::6810:84e5"])
def test_internet_addresses_are_public(address):
    assert is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.jpg",
        "gopher://x",
        "http:///nohost",
        "https://user:pw@example.com/a.jpg",
    ],
)
def test_only_plain_http_and_https_urls_are_fetched(url):
    with pytest.raises(UnsafeURL):
        fetch_bytes(url, max_bytes=1000)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/photo.jpg",
        "http://localhost:9/photo.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/x",
        "http://10.0.0.1/x",
    ],
)
def test_urls_that_resolve_inside_our_network_are_refused(url):
    with pytest.raises(UnsafeURL):
        fetch_bytes(url, max_bytes=1000)


def test_an_allowed_provider_host_is_reachable_on_loopback(served_simulator):
    url = f"{served_simulator.url}/_simulator/stats"
    assert fetch_bytes(url, max_bytes=10_000, allowed_hosts=["127.0.0.1"]).startswith(b"{")


def test_a_redirect_into_our_network_is_refused(served_simulator):
    # The allowed host answers with a redirect to a host that is not allowed.
    port = served_simulator.url.rsplit(":", 1)[1]

    def redirect_to_localhost(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            302, headers={"location": f"http://localhost:{port}/_simulator/stats"}
        )

    with pytest.raises(UnsafeURL):
        stream_to(
            f"{served_simulator.url}/go",
            io.BytesIO(),
            max_bytes=1000,
            allowed_hosts=["127.0.0.1"],
            transport=_first_then_guarded(redirect_to_localhost, ["127.0.0.1"]),
        )


def _first_then_guarded(first_handler, allowed):
    from avatarstudio.media.fetch import GuardedTransport

    guarded = GuardedTransport(allowed)
    calls = []

    class Mixed(httpx.BaseTransport):
        def handle_request(self, request):
            calls.append(request)
            if len(calls) == 1:
                return first_handler(request)
            return guarded.handle_request(request)

    return Mixed()


def test_a_file_larger_than_the_cap_is_refused_while_streaming():
    def big(request):
        return httpx.Response(200, content=b"x" * 5000)

    with pytest.raises(TooLarge):
        stream_to(
            "https://example.com/a.jpg",
            io.BytesIO(),
            max_bytes=1000,
            transport=httpx.MockTransport(big),
        )


def test_an_announced_size_over_the_cap_is_refused_before_reading():
    def announced(request):
        return httpx.Response(200, headers={"content-length": "999999"}, content=b"")

    with pytest.raises(TooLarge):
        stream_to(
            "https://example.com/a.jpg",
            io.BytesIO(),
            max_bytes=1000,
            transport=httpx.MockTransport(announced),
        )


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_a_server_that_drips_its_answer_is_cut_off_at_the_total_deadline(drip):
    # Each byte comes well within the per-read timeout; only the total deadline stops it.
    with DrippingServer(drip) as server, pytest.raises(TooSlow) as caught:
        fetch_bytes(server.url, max_bytes=10**6, deadline=0.3, allowed_hosts=["127.0.0.1"])
    assert caught.value.seconds == 0.3


def test_a_download_that_ends_early_is_incomplete(served_simulator, sim_client):
    from avatarstudio.kling.client import KlingClient
    from tests.kling.helpers import avatar_request, wait_until_final

    with KlingClient(base_url=served_simulator.url, api_key="k") as client:
        done = wait_until_final(client, client.create_avatar_task(avatar_request()).task_id)
    served_simulator.simulator.faults.add(Fault("broken_download"))
    with pytest.raises((Incomplete, httpx.HTTPError)):
        stream_to(done.videos[0].url, io.BytesIO(), max_bytes=10**8, allowed_hosts=["127.0.0.1"])


@pytest.mark.parametrize("url", ["http://93.184.216.34:22/photo.jpg", "https://example.com:6379/x"])
def test_only_the_web_ports_are_fetched_from_a_persons_url(url, monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kwargs: [(0, 0, 0, "", ("93.184.216.34", 0))]
    )
    with pytest.raises(UnsafeURL, match="only ports 80 and 443"):
        fetch_bytes(url, max_bytes=1000)


def test_an_operator_may_widen_the_ports(settings, monkeypatch):
    settings.FETCH_ALLOWED_PORTS = [80, 443, 8443]
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kwargs: [(0, 0, 0, "", ("127.0.0.1", 0))]
    )
    with pytest.raises(UnsafeURL, match="private network"):  # past the port check
        fetch_bytes("https://example.com:8443/x", max_bytes=1000)
