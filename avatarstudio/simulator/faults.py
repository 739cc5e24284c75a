"""Faults the simulator can be told to commit, so tests and demos can walk every failure path.

Inject them in-process (``simulator.faults.add(Fault("rate_limit"))``) or over HTTP
(``POST /_simulator/faults`` with the same fields as JSON; ``DELETE`` clears them).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from avatarstudio.simulator.http import Reject, Response, json_response

# kind: what the simulator does when the fault fires.
KINDS = {
    "rate_limit": "answer 429 with code 1302",
    "concurrency": "answer 429 with code 1303",
    "server_error": "answer 500/503/504 with code 5000/5001/5002 (choose with code)",
    "auth": "answer 401 with code 1004 (expired)",
    "account": "answer 429 with code 1102 (resource pack exhausted)",
    "comet_error": "answer CometAPI's own error envelope (status; a Kling code nests one)",
    "hang": "wait `seconds` before answering normally",
    "garbage": "answer 200 with a body that is not JSON",
    "html": "answer 200 with an HTML page",
    "redirect": "answer 301 to another path",
    "moderation": "accept the task, then fail it with `reason`",
    "task_failed": "accept the task, then fail it as Kling does when a render breaks",
    "broken_download": "serve half of the file, then cut the connection",
    "slow_download": "serve the file in small pieces, `seconds` apart",
}
ENDPOINTS = ("any", "create", "query", "list", "tts", "download")
SERVER_ERRORS = {5000: 500, 5001: 503, 5002: 504}
MODERATION_REASON = "Failure to pass the risk control system"
RENDER_FAILED_REASON = "Video generation failed, please try again"


@dataclass
class Fault:
    kind: str
    endpoint: str = "any"
    times: int = 1  # how many requests it hits; -1 for every one until cleared
    code: int | None = None
    status: int | None = None
    seconds: float = 0.0
    reason: str = MODERATION_REASON

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(
                f"unknown endpoint {self.endpoint!r}; choose from {', '.join(ENDPOINTS)}"
            )
        if self.kind == "task_failed" and self.reason == MODERATION_REASON:
            self.reason = RENDER_FAILED_REASON
        if self.kind in ("moderation", "task_failed"):
            self.endpoint = "create"
        if self.kind in ("broken_download", "slow_download"):
            self.endpoint = "download"


@dataclass
class FaultBook:
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def take(self, endpoint: str, kinds: tuple[str, ...] | None = None) -> Fault | None:
        """The first fault for this endpoint (and of these kinds), used up by one."""
        with self.lock:
            for fault in self.faults:
                if fault.endpoint not in ("any", endpoint):
                    continue
                if kinds is not None and fault.kind not in kinds:
                    continue
                if kinds is None and fault.kind in ("moderation", "task_failed"):
                    continue
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                return fault
        return None

    def describe(self) -> list[dict]:
        with self.lock:
            return [asdict(fault) for fault in self.faults]


def respond_to(fault: Fault) -> Response | None:
    """Commit a fault: raise or return the answer it calls for, or None to answer normally
    (after waiting, for ``hang``; ``moderation`` and the download faults act elsewhere)."""
    kind = fault.kind
    if kind == "hang":
        time.sleep(fault.seconds or 30)
        return None
    if kind == "rate_limit":
        raise Reject(429, 1302, "Too many requests, please slow down")
    if kind == "concurrency":
        raise Reject(429, 1303, "Parallel tasks over resource pack limit")
    if kind == "auth":
        raise Reject(401, 1004, "Authorization expired")
    if kind == "account":
        raise Reject(429, 1102, "Resource pack exhausted")
    if kind == "server_error":
        code = fault.code if fault.code in SERVER_ERRORS else 5000
        raise Reject(SERVER_ERRORS[code], code, "Server internal error")
    if kind == "garbage":
        return Response(200, [b"\x00\x17not json{{"], [("Content-Type", "text/plain")])
    if kind == "html":
        page = b"<!doctype html><html><body>Welcome to our gateway</body></html>"
        return Response(200, [page], [("Content-Type", "text/html; charset=utf-8")])
    if kind == "redirect":
        return Response(301, [b""], [("Location", "/v2/elsewhere")])
    if kind == "comet_error":
        return comet_error(fault)
    return None


def comet_error(fault: Fault) -> Response:
    request_id = uuid.uuid4().hex
    error: dict[str, Any] = {
        "message": f"upstream request failed (request id: {request_id})",
        "type": "comet_api_error",
        "param": "",
        "code": "invalid_request",
    }
    if fault.code:
        error["data"] = {"data": {"code": fault.code, "message": fault.reason}}
    return json_response(fault.status or 500, {"error": error})
