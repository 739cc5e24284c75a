"""The Kling simulator for tests: in-process through httpx's WSGI transport, or on a socket."""

from __future__ import annotations

import httpx

from avatarstudio.kling.client import KlingClient
from avatarstudio.simulator.app import Simulator, SimulatorConfig

SIM_URL = "http://simulator.test"


class FakeClock:
    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_simulator(tmp_path, **overrides) -> Simulator:
    values = {
        "data_dir": tmp_path / "simulator",
        "public_url": SIM_URL,
        "submitted_seconds": 0.05,
        "processing_seconds": 0.1,
        "render_in_background": False,
    } | overrides
    return Simulator(SimulatorConfig(**values))


def client_for(simulator: Simulator, api_key: str = "test-key", **kwargs) -> KlingClient:
    return KlingClient(
        base_url=SIM_URL, api_key=api_key, transport=httpx.WSGITransport(app=simulator), **kwargs
    )
