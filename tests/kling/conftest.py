"""The provider under test: the simulator in-process, or the real service when asked.

Contract tests take the ``kling`` fixture. It runs them against the simulator mounted through
httpx's WSGI transport and, when ``KLING_LIVE=1`` and ``COMETAPI_KEY`` are set, once more
against the real service. Without those variables the live run is not generated at all (the
real service spends credit and cannot be reached from CI), so nothing is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from avatarstudio.kling.client import KlingClient
from avatarstudio.simulator.app import Simulator
from tests.provider import SIM_URL, client_for, make_simulator

LIVE = os.environ.get("KLING_LIVE") == "1" and bool(os.environ.get("COMETAPI_KEY"))
PROVIDERS = ["simulator", "live"] if LIVE else ["simulator"]


@dataclass
class Provider:
    name: str
    client: KlingClient
    simulator: Simulator | None
    downloader: httpx.Client
    poll_seconds: float
    stall_seconds: float | None


@pytest.fixture(params=PROVIDERS)
def kling(request, tmp_path) -> Iterator[Provider]:
    if request.param == "live":
        client = KlingClient(
            base_url=os.environ.get("COMETAPI_BASE_URL", "https://api.cometapi.com"),
            api_key=os.environ["COMETAPI_KEY"],
            timeout=60,
        )
        with client, httpx.Client(timeout=60, follow_redirects=True) as downloader:
            yield Provider("live", client, None, downloader, 10.0, 900.0)
        return
    sim = make_simulator(tmp_path)
    transport = httpx.WSGITransport(app=sim)
    with (
        client_for(sim) as client,
        httpx.Client(transport=transport, base_url=SIM_URL) as downloader,
    ):
        yield Provider("simulator", client, sim, downloader, 0.05, None)
    sim.close()
