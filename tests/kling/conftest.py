"""The provider under test: the simulator in-process, or the real service when asked.

Contract tests take the ``kling`` fixture. It runs them against the simulator mounted through
httpx's WSGI transport and, when ``KLING_LIVE=1`` and ``COMETAPI_KEY`` are set, once more
against the real service (otherwise that second run is skipped and says why: the only skip
this suite allows).
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

LIVE_REASON = "live contract run needs KLING_LIVE=1 and COMETAPI_KEY (skipped: simulator only)"


@dataclass
class Provider:
    name: str
    client: KlingClient
    simulator: Simulator | None
    downloader: httpx.Client
    poll_seconds: float
    final_timeout: float


@pytest.fixture(params=["simulator", "live"])
def kling(request, tmp_path) -> Iterator[Provider]:
    if request.param == "live":
        if os.environ.get("KLING_LIVE") != "1" or not os.environ.get("COMETAPI_KEY"):
            pytest.skip(LIVE_REASON)
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
        yield Provider("simulator", client, sim, downloader, 0.05, 10.0)
    sim.close()
