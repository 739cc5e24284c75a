"""`manage.py kling_simulator` serves the simulator and keeps its tasks across restarts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from avatarstudio.kling.client import KlingClient
from tests.kling.helpers import avatar_request, wait_until_final
from tests.waiting import STALL_SECONDS, wait_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(port: int, folder: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "kling_simulator", "--port", str(port), "--dir", str(folder)],
        cwd=ROOT,
        env=env | {"SIMULATOR_SUBMITTED_SECONDS": "0", "SIMULATOR_PROCESSING_SECONDS": "0"},
        stdout=subprocess.PIPE,
        text=True,
    )

    def answers() -> bool:
        assert process.poll() is None, "the simulator exited"
        try:
            return httpx.get(f"http://127.0.0.1:{port}/_simulator/stats").is_success
        except httpx.HTTPError:
            return False

    try:
        wait_for(answers, what="the simulator to answer", interval=0.1)
    except AssertionError:
        process.kill()
        raise
    return process


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=STALL_SECONDS)
    return out


def test_the_command_serves_the_api_and_a_restart_keeps_the_tasks(tmp_path):
    port = free_port()
    folder = tmp_path / "sim"
    process = start(port, folder)
    try:
        with KlingClient(base_url=f"http://127.0.0.1:{port}", api_key="k") as client:
            request = avatar_request()
            task = client.create_avatar_task(request)
    finally:
        output = stop(process)
    assert f"Kling simulator on http://127.0.0.1:{port}" in output
    assert process.returncode == 0

    process = start(port, folder)
    try:
        with KlingClient(base_url=f"http://127.0.0.1:{port}", api_key="k") as client:
            found = client.get_avatar_task(external_task_id=request.external_task_id)
            assert found.task_id == task.task_id
            found = wait_until_final(client, task.task_id)
        assert found.status == "succeed"
        assert httpx.get(found.videos[0].url).status_code == 200
    finally:
        stop(process)
