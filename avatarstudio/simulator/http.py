"""The simulator's HTTP pieces: responses in Kling's envelope, its errors, request bodies."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avatarstudio.simulator.faults import Fault

MAX_BODY_BYTES = 32 * 1024 * 1024


class Reject(Exception):
    """Answer with Kling's error envelope: an HTTP status, Kling's code and its message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Response:
    status: int
    body: Iterable[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:  # a fault may ask for any status, 520 included
            reason = "Status"
        start_response(f"{self.status} {reason}", self.headers)
        return self.body


def json_response(status: int, payload: Any) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Response(
        status,
        [body],
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )


def envelope(data: Any, message: str = "SUCCEED") -> Response:
    return json_response(
        200, {"code": 0, "message": message, "request_id": uuid.uuid4().hex, "data": data}
    )


def error_response(reject: Reject) -> Response:
    return json_response(
        reject.status,
        {"code": reject.code, "message": reject.message, "request_id": uuid.uuid4().hex,
         "data": None},
    )  # fmt: skip


def read_json(environ: dict) -> dict:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise Reject(400, 1200, "Request body is too large")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise Reject(400, 1200, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Reject(400, 1200, "Request body must be a JSON object")
    return body


def stream_file(path: Path, size: int, fault: Fault | None) -> Iterator[bytes]:
    chunk = 64 * 1024
    with path.open("rb") as handle:
        if fault is not None and fault.kind == "broken_download":
            yield handle.read(size // 2)
            raise ConnectionAbortedError("simulated broken download")
        while piece := handle.read(16 * 1024 if fault else chunk):
            yield piece
            if fault is not None:
                time.sleep(fault.seconds or 0.05)
