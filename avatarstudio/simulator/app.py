"""A local stand-in for Kling's Avatar API, speaking the same HTTP as CometAPI.

It is a plain WSGI app: ``manage.py kling_simulator`` serves it on a port, and tests mount it
in-process through ``httpx.WSGITransport``. Tasks, inputs, voices and clips are kept in one
folder, so a restart loses nothing. A task's status follows the clock: submitted, then
processing, then succeed (once its clip is rendered) or failed. Every change is POSTed to the
task's ``callback_url``, signed the Standard Webhooks way when a secret is set.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling import webhooks
from avatarstudio.kling.limits import ProviderLimits
from avatarstudio.media.probe import MediaError, probe_audio, probe_image
from avatarstudio.simulator.faults import SERVER_ERRORS, Fault, FaultBook
from avatarstudio.simulator.render import render_clip
from avatarstudio.simulator.speech import synthesise

logger = logging.getLogger(__name__)

AVATAR = "/v1/videos/avatar/image2video"
TTS = "/v1/audio/tts"
MAX_BODY_BYTES = 32 * 1024 * 1024
UNITS_PER_SECOND = {"std": 0.4, "pro": 0.8}
VOICE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
DAY_MS = 24 * 3600 * 1000


class Reject(Exception):
    """An error answer in Kling's envelope."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class SimulatorConfig:
    data_dir: Path
    public_url: str = "http://127.0.0.1:8765"
    api_key: str = ""  # when set, only this Bearer key is accepted; else any non-empty one
    submitted_seconds: float = 2.0
    processing_seconds: float = 6.0
    url_ttl_seconds: float = 30 * 24 * 3600
    concurrency: int = 5
    webhook_secret: str = ""
    render_in_background: bool = True
    limits: ProviderLimits = field(default_factory=ProviderLimits)
    callback_transport: httpx.BaseTransport | None = None
    fetch_transport: httpx.BaseTransport | None = None
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, **overrides: Any) -> SimulatorConfig:
        from django.conf import settings

        from avatarstudio.kling.limits import provider_limits

        values: dict[str, Any] = {
            "data_dir": Path(settings.SIMULATOR_DIR),
            "public_url": f"http://127.0.0.1:{settings.SIMULATOR_PORT}",
            "api_key": settings.SIMULATOR_KEY,
            "submitted_seconds": settings.SIMULATOR_SUBMITTED_SECONDS,
            "processing_seconds": settings.SIMULATOR_PROCESSING_SECONDS,
            "url_ttl_seconds": settings.SIMULATOR_URL_TTL_SECONDS,
            "concurrency": settings.SIMULATOR_CONCURRENCY,
            "webhook_secret": settings.SIMULATOR_WEBHOOK_SECRET,
            "limits": provider_limits(),
        }
        return cls(**(values | overrides))


@dataclass
class Response:
    status: int
    body: Iterable[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        reason = STATUS_TEXT.get(self.status, "Status")
        start_response(f"{self.status} {reason}", self.headers)
        return self.body


STATUS_TEXT = {
    200: "OK",
    301: "Moved Permanently",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


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


class Simulator:
    """The WSGI app. ``faults`` takes injected faults; ``stats`` counts what was received."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.faults = FaultBook()
        self.stats: Counter[str] = Counter()
        self._lock = threading.RLock()
        self._renders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-render")
        self._callbacks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sim-callback")
        for folder in ("tasks", "inputs", "files", "voices"):
            (config.data_dir / folder).mkdir(parents=True, exist_ok=True)
        self._tasks: dict[str, dict] = {}
        for path in sorted((config.data_dir / "tasks").glob("*.json")):
            task = json.loads(path.read_text())
            self._tasks[task["task_id"]] = task
        for task in self._tasks.values():
            if task["render"] == "pending":  # the simulator stopped while rendering
                self._start_render(task)

    # WSGI.

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            response = self.dispatch(environ)
        except Reject as reject:
            response = self._reject(reject)
        except Exception:
            logger.exception("simulator error")
            response = self._reject(Reject(500, 5000, "Internal server error"))
        return response(environ, start_response)

    def dispatch(self, environ: dict) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path.startswith("/_simulator/"):
            return self._control(method, path, environ)
        if path.startswith("/files/"):
            return self._download(path.removeprefix("/files/"))
        api_path = path.removeprefix("/kling")
        if api_path in (AVATAR, TTS) or api_path.startswith(AVATAR + "/"):
            return self._api(method, api_path, query, environ)
        return Response(
            404,
            [b"<!doctype html><html><body><h1>404 Not Found</h1></body></html>"],
            [("Content-Type", "text/html")],
        )

    def _api(self, method: str, path: str, query: dict, environ: dict) -> Response:
        self._authenticate(environ.get("HTTP_AUTHORIZATION", ""))
        if path == TTS:
            endpoint = "tts"
        elif path == AVATAR and method == "POST":
            endpoint = "create"
        elif path == AVATAR and "external_task_id" not in query:
            endpoint = "list"
        else:
            endpoint = "query"
        self.stats[f"{endpoint}_calls"] += 1
        if (fault := self.faults.take(endpoint)) is not None:
            answer = self._commit(fault)
            if answer is not None:
                return answer
        if endpoint == "tts":
            self._require(method, "POST")
            return self._tts(read_json(environ))
        if endpoint == "create":
            return self._create(read_json(environ))
        self._require(method, "GET")
        if endpoint == "list":
            return self._list(query)
        task_key = query.get("external_task_id") or path.removeprefix(AVATAR + "/")
        return envelope(self._task_data(self._advance(self._find(task_key))))

    # Control: faults and statistics, for tests and demos.

    def _control(self, method: str, path: str, environ: dict) -> Response:
        if path == "/_simulator/faults" and method == "POST":
            try:
                fault = self.faults.add(Fault(**read_json(environ)))
            except (TypeError, ValueError) as error:
                return json_response(400, {"error": str(error)})
            return json_response(200, {"added": fault.kind})
        if path == "/_simulator/faults" and method == "DELETE":
            self.faults.clear()
            return json_response(200, {"cleared": True})
        if path == "/_simulator/faults":
            return json_response(200, {"faults": self.faults.describe()})
        if path == "/_simulator/stats":
            return json_response(200, dict(self.stats))
        return json_response(404, {"error": "unknown control path"})

    # Faults.

    def _commit(self, fault: Fault) -> Response | None:
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
            return self._comet_error(fault)
        return None

    def _comet_error(self, fault: Fault) -> Response:
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

    # Endpoints.

    def _authenticate(self, header: str) -> None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Reject(401, 1001, "Authorization is empty")
        if self.config.api_key and token.strip() != self.config.api_key:
            raise Reject(401, 1002, "Authorization is invalid")

    def _require(self, method: str, expected: str) -> None:
        if method != expected:
            raise Reject(404, 1202, f"Request method {method} is invalid")

    def _create(self, body: dict) -> Response:
        limits = self.config.limits
        image = body.get("image")
        sound_file, audio_id = body.get("sound_file"), body.get("audio_id")
        prompt = body.get("prompt") or ""
        mode = body.get("mode") or "std"
        external_id = str(body.get("external_task_id") or "")
        if not image:
            raise Reject(400, 1201, "image is required")
        if bool(sound_file) == bool(audio_id):
            raise Reject(400, 1201, "Exactly one of audio_id and sound_file is required")
        if mode not in UNITS_PER_SECOND:
            raise Reject(400, 1201, "mode must be std or pro")
        if not isinstance(prompt, str) or len(prompt) > limits.prompt_max_chars:
            raise Reject(400, 1201, f"prompt must be at most {limits.prompt_max_chars} characters")
        with self._lock:
            if external_id and any(
                t["external_task_id"] == external_id for t in self._tasks.values()
            ):
                raise Reject(400, 1201, "external_task_id already exists")
            active = sum(
                1
                for t in self._tasks.values()
                if self._advance(t)["status"] in ("submitted", "processing")
            )
            if active >= self.config.concurrency:
                raise Reject(429, 1303, "Parallel tasks over resource pack limit")
            task_id = uuid.uuid4().hex
            folder = self.config.data_dir / "inputs" / task_id
            folder.mkdir(parents=True)
            try:
                image_path = self._store_image(image, folder)
                audio_path = (
                    self._store_sound(sound_file, folder)
                    if sound_file
                    else self._voice_path(audio_id)
                )
            except Reject:
                _remove_tree(folder)
                raise
            moderation = self.faults.take("create", kinds=("moderation",))
            now = self._now_ms()
            task = {
                "task_id": task_id,
                "external_task_id": external_id,
                "mode": mode,
                "prompt": prompt,
                "callback_url": str(body.get("callback_url") or ""),
                "image": str(image_path),
                "audio": str(audio_path),
                "created": now,
                "updated": now,
                "status": "submitted",
                "fail_reason": moderation.reason if moderation else "",
                "render": "pending",
                "video_id": uuid.uuid4().hex,
                "duration": 0.0,
            }
            self._tasks[task_id] = task
            self._save(task)
            self.stats["tasks_created"] += 1
        self._start_render(task)
        self._announce(task)
        return envelope(self._task_data(task))

    def _list(self, query: dict) -> Response:
        try:
            page = int(query.get("pageNum", 1))
            size = int(query.get("pageSize", 30))
        except ValueError:
            raise Reject(400, 1201, "pageNum and pageSize must be numbers") from None
        if not (1 <= page <= 1000 and 1 <= size <= 500):
            raise Reject(400, 1201, "pageNum must be 1 to 1000 and pageSize 1 to 500")
        with self._lock:
            tasks = sorted(self._tasks.values(), key=lambda t: t["created"], reverse=True)
            chosen = tasks[(page - 1) * size : page * size]
            return envelope([self._task_data(self._advance(task)) for task in chosen])

    def _tts(self, body: dict) -> Response:
        limits = self.config.limits
        text = body.get("text")
        voice_id = str(body.get("voice_id") or "")
        language = body.get("voice_language") or "zh"
        speed = body.get("voice_speed", 1.0)
        if not isinstance(text, str) or not text.strip():
            raise Reject(400, 1201, "text is required")
        if len(text) > limits.tts_text_max_chars:
            raise Reject(400, 1201, f"text must be at most {limits.tts_text_max_chars} characters")
        if not VOICE_ID.match(voice_id):
            raise Reject(400, 1201, "voice_id is invalid")
        if language not in limits.tts_languages:
            raise Reject(400, 1201, "voice_language must be zh or en")
        if not tts_voices.is_known(voice_id, language):
            raise Reject(400, 1201, f"voice_id {voice_id} is not available for {language}")
        if (
            not isinstance(speed, int | float)
            or not limits.tts_min_speed <= speed <= limits.tts_max_speed
        ):
            raise Reject(400, 1201, "voice_speed must be between 0.8 and 2.0")
        audio_id = uuid.uuid4().hex
        path = self.config.data_dir / "files" / f"voice-{audio_id}.mp3"
        duration = synthesise(text, language, float(speed), path)
        record = {
            "id": audio_id,
            "path": str(path),
            "duration": duration,
            "created": self._now_ms(),
        }
        (self.config.data_dir / "voices" / f"{audio_id}.json").write_text(json.dumps(record))
        self.stats["speeches_made"] += 1
        return envelope(
            {
                "task_id": uuid.uuid4().hex,
                "task_status": "succeed",
                "task_result": {
                    "audios": [
                        {
                            "id": audio_id,
                            "url": f"{self.config.public_url}/files/{path.name}",
                            "duration": f"{duration:.3f}",
                        }
                    ]
                },
            }
        )

    def _download(self, name: str) -> Response:
        if not re.fullmatch(r"[A-Za-z0-9\-]+\.(mp4|mp3)", name):
            return json_response(404, {"code": 1203, "message": "File not found"})
        path = self.config.data_dir / "files" / name
        expires = self._expiry_of(name)
        if not path.exists():
            return json_response(404, {"code": 1203, "message": "File not found"})
        if expires is not None and self._now_ms() > expires:
            return json_response(403, {"code": 1203, "message": "This link has expired"})
        self.stats["downloads"] += 1
        fault = self.faults.take("download", kinds=("broken_download", "slow_download"))
        size = path.stat().st_size
        kind = "video/mp4" if name.endswith(".mp4") else "audio/mpeg"
        headers = [("Content-Type", kind), ("Content-Length", str(size))]
        return Response(200, _stream(path, size, fault), headers)

    # Tasks.

    def _find(self, key: str) -> dict:
        with self._lock:
            task = self._tasks.get(key) or next(
                (t for t in self._tasks.values() if key and t["external_task_id"] == key), None
            )
        if task is None:
            raise Reject(404, 1203, "Task not found")
        return task

    def _advance(self, task: dict) -> dict:
        """Move the task along the clock; announce the change when its status moved."""
        with self._lock:
            status = self._status_now(task)
            if status == task["status"]:
                return task
            task["status"] = status
            task["updated"] = self._now_ms()
            if status == "succeed":
                task["expires"] = task["updated"] + int(self.config.url_ttl_seconds * 1000)
            self._save(task)
        self._announce(task)
        return task

    def _status_now(self, task: dict) -> str:
        if task["status"] in ("succeed", "failed"):
            return task["status"]
        elapsed = (self._now_ms() - task["created"]) / 1000
        if elapsed < self.config.submitted_seconds:
            return "submitted"
        if elapsed < self.config.submitted_seconds + self.config.processing_seconds:
            return "processing"
        if task["fail_reason"] or task["render"] == "failed":
            return "failed"
        return "succeed" if task["render"] == "done" else "processing"

    def tick(self) -> None:
        """Advance every unfinished task; the standalone server calls this twice a second."""
        with self._lock:
            unfinished = [
                t for t in self._tasks.values() if t["status"] not in ("succeed", "failed")
            ]
        for task in unfinished:
            self._advance(task)

    def _task_data(self, task: dict) -> dict:
        data: dict[str, Any] = {
            "task_id": task["task_id"],
            "task_status": task["status"],
            "task_status_msg": task["fail_reason"] if task["status"] == "failed" else "",
            "task_info": {"external_task_id": task["external_task_id"]},
            "created_at": task["created"],
            "updated_at": task["updated"],
        }
        if task["status"] == "failed" and not data["task_status_msg"]:
            data["task_status_msg"] = "Video generation failed, please try again"
        if task["status"] == "succeed":
            url = f"{self.config.public_url}/files/{task['video_id']}.mp4"
            data["task_result"] = {
                "videos": [
                    {
                        "id": task["video_id"],
                        "url": url,
                        "watermark_url": url,
                        "duration": f"{task['duration']:.3f}",
                    }
                ]
            }
            data["final_unit_deduction"] = (
                f"{task['duration'] * UNITS_PER_SECOND[task['mode']]:.2f}"
            )
        return data

    def _start_render(self, task: dict) -> None:
        if self.config.render_in_background:
            self._renders.submit(self._render, task)
        else:
            self._render(task)

    def _render(self, task: dict) -> None:
        out = self.config.data_dir / "files" / f"{task['video_id']}.mp4"
        partial = out.with_suffix(".part")
        try:
            duration = render_clip(task["image"], task["audio"], partial, task["mode"])
            partial.replace(out)
            outcome = {"render": "done", "duration": duration}
        except Exception:
            logger.exception("simulator could not render task %s", task["task_id"])
            partial.unlink(missing_ok=True)
            outcome = {"render": "failed"}
        with self._lock:
            task.update(outcome)
            self._save(task)

    def _announce(self, task: dict) -> None:
        if not task["callback_url"]:
            return
        body = json.dumps(self._task_data(task), ensure_ascii=False).encode()
        if self.config.callback_transport is not None:
            self._post_callback(task["callback_url"], body)
        else:
            self._callbacks.submit(self._post_callback, task["callback_url"], body)

    def _post_callback(self, url: str, body: bytes) -> None:
        headers = {"Content-Type": "application/json"}
        if self.config.webhook_secret:
            headers |= webhooks.signature_headers(
                self.config.webhook_secret, uuid.uuid4().hex, body
            )
        try:
            with httpx.Client(transport=self.config.callback_transport, timeout=10) as client:
                client.post(url, content=body, headers=headers)
            self.stats["callbacks_sent"] += 1
        except httpx.HTTPError as error:
            logger.warning("simulator callback to %s failed: %s", url, type(error).__name__)

    # Inputs.

    def _store_image(self, value: Any, folder: Path) -> Path:
        limits = self.config.limits
        data = self._payload(value, "image", limits.image_max_bytes)
        try:
            info = probe_image(data)
        except MediaError:
            raise Reject(400, 1201, "image is not a valid JPG or PNG picture") from None
        if info.format not in limits.image_formats:
            raise Reject(400, 1201, "image must be JPG, JPEG or PNG")
        if min(info.width, info.height) < limits.image_min_side:
            raise Reject(400, 1201, "Image pixel is invalid: each side must be at least 300px")
        if not limits.image_min_aspect <= info.aspect <= limits.image_max_aspect:
            raise Reject(400, 1201, "Image aspect ratio must be between 1:2.5 and 2.5:1")
        path = folder / ("image.png" if info.format == "PNG" else "image.jpg")
        path.write_bytes(data)
        return path

    def _store_sound(self, value: Any, folder: Path) -> Path:
        limits = self.config.limits
        data = self._payload(value, "sound_file", limits.audio_max_bytes)
        path = folder / "sound"
        path.write_bytes(data)
        try:
            info = probe_audio(str(path))
        except MediaError:
            raise Reject(400, 1201, "sound_file is not a readable audio file") from None
        if info.format not in limits.audio_formats or info.has_video:
            raise Reject(400, 1201, "sound_file must be MP3, WAV, M4A or AAC")
        self._check_length(info.duration, "sound_file")
        return path

    def _voice_path(self, audio_id: Any) -> Path:
        record_path = self.config.data_dir / "voices" / f"{audio_id}.json"
        if (
            not isinstance(audio_id, str)
            or not VOICE_ID.match(audio_id)
            or not record_path.exists()
        ):
            raise Reject(400, 1201, "audio_id is invalid or does not exist")
        record = json.loads(record_path.read_text())
        age_days = (self._now_ms() - record["created"]) / DAY_MS
        if age_days > self.config.limits.audio_id_max_age_days:
            raise Reject(400, 1201, "audio_id has expired: it must be made within the last 30 days")
        self._check_length(record["duration"], "audio_id")
        return Path(record["path"])

    def _check_length(self, seconds: float, name: str) -> None:
        limits = self.config.limits
        if not limits.audio_min_seconds <= seconds <= limits.audio_max_seconds:
            raise Reject(
                400,
                1201,
                f"{name} duration must be between {limits.audio_min_seconds:g} and "
                f"{limits.audio_max_seconds:g} seconds, got {seconds:.1f}",
            )

    def _payload(self, value: Any, name: str, max_bytes: int) -> bytes:
        if not isinstance(value, str) or not value:
            raise Reject(400, 1201, f"{name} is required")
        if value.startswith(("http://", "https://")):
            data = self._fetch(value, name, max_bytes)
        elif value.startswith("data:"):
            raise Reject(400, 1201, f"{name} must be raw Base64 without a data: prefix")
        else:
            try:
                data = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise Reject(400, 1201, f"{name} is neither a URL nor valid Base64") from None
        if len(data) > max_bytes:
            raise Reject(400, 1201, f"{name} must be at most {max_bytes // (1024 * 1024)}MB")
        return data

    def _fetch(self, url: str, name: str, max_bytes: int) -> bytes:
        try:
            with (
                httpx.Client(transport=self.config.fetch_transport, timeout=15) as client,
                client.stream("GET", url, follow_redirects=True) as response,
            ):
                if response.status_code != 200:
                    raise Reject(400, 1201, f"{name} URL could not be downloaded")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise Reject(
                            400, 1201, f"{name} must be at most {max_bytes // (1024 * 1024)}MB"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError:
            raise Reject(400, 1201, f"{name} URL could not be downloaded") from None

    # Storage.

    def _save(self, task: dict) -> None:
        path = self.config.data_dir / "tasks" / f"{task['task_id']}.json"
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
            json.dump(task, tmp)
        Path(tmp.name).replace(path)

    def _expiry_of(self, name: str) -> int | None:
        video_id = name.removesuffix(".mp4")
        with self._lock:
            for task in self._tasks.values():
                if task["video_id"] == video_id:
                    return task.get("expires", 0) if task["status"] == "succeed" else 0
        return None

    def _now_ms(self) -> int:
        return int(self.config.clock() * 1000)

    def _reject(self, reject: Reject) -> Response:
        self.stats[f"rejected_{reject.code}"] += 1
        return json_response(
            reject.status,
            {
                "code": reject.code,
                "message": reject.message,
                "request_id": uuid.uuid4().hex,
                "data": None,
            },
        )

    def close(self) -> None:
        """Finish the renders and callbacks under way; drop the ones not started yet."""
        self._renders.shutdown(wait=True, cancel_futures=True)
        self._callbacks.shutdown(wait=True, cancel_futures=True)


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


def _stream(path: Path, size: int, fault: Fault | None) -> Iterator[bytes]:
    chunk = 64 * 1024
    with path.open("rb") as handle:
        if fault is not None and fault.kind == "broken_download":
            yield handle.read(size // 2)
            raise ConnectionAbortedError("simulated broken download")
        while piece := handle.read(16 * 1024 if fault else chunk):
            yield piece
            if fault is not None:
                time.sleep(fault.seconds or 0.05)


def _remove_tree(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
