"""A local stand-in for Kling's Avatar API, speaking the same HTTP as CometAPI: the routing,
the endpoints and a task's clock. Its parts: ``http`` (envelopes, errors, bodies), ``store``
(tasks and voices on disk), ``inputs`` (Kling's rules on what a create sends), ``faults``
(what it can be told to get wrong), ``callbacks``, ``render`` and ``speech``.

It is a plain WSGI app: ``manage.py kling_simulator`` serves it on a port, and tests mount it
in-process through ``httpx.WSGITransport``. Tasks, inputs, voices and clips are kept in one
folder, so a restart loses nothing. A task's status follows the clock: submitted, then
processing, then succeed (once its clip is rendered) or failed. Every change is POSTed to the
task's ``callback_url``, signed the Standard Webhooks way when a secret is set.
"""

from __future__ import annotations

import logging
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from django.conf import settings

from avatarstudio.core.choices import Mode
from avatarstudio.kling import voices as tts_voices
from avatarstudio.kling.limits import ProviderLimits, provider_limits
from avatarstudio.simulator.callbacks import Callbacks
from avatarstudio.simulator.faults import Fault, FaultBook, respond_to
from avatarstudio.simulator.http import (
    Reject,
    Response,
    envelope,
    error_response,
    json_response,
    read_json,
    stream_file,
)
from avatarstudio.simulator.inputs import VOICE_ID, Inputs
from avatarstudio.simulator.render import render_clip
from avatarstudio.simulator.speech import synthesise
from avatarstudio.simulator.store import TaskStore, remove_tree

logger = logging.getLogger(__name__)

AVATAR = "/v1/videos/avatar/image2video"
TTS = "/v1/audio/tts"
UNITS_PER_SECOND = {Mode.STD: 0.4, Mode.PRO: 0.8}


@dataclass
class SimulatorConfig:
    data_dir: Path
    public_url: str = "http://127.0.0.1:8765"
    api_key: str = ""  # when set, only this Bearer key is accepted; else any non-empty one
    submitted_seconds: float = 2.0
    processing_seconds: float = 6.0
    # Kling's time grows with the voice's length: this much more per second of audio, each
    # task's time spread by up to +/- ``processing_jitter`` of itself (0.1: 10 %).
    processing_seconds_per_audio_second: float = 0.0
    processing_jitter: float = 0.0
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
        values: dict[str, Any] = {
            "data_dir": Path(settings.SIMULATOR_DIR),
            "public_url": f"http://127.0.0.1:{settings.SIMULATOR_PORT}",
            "api_key": settings.SIMULATOR_KEY,
            "submitted_seconds": settings.SIMULATOR_SUBMITTED_SECONDS,
            "processing_seconds": settings.SIMULATOR_PROCESSING_SECONDS,
            "processing_seconds_per_audio_second": settings.SIMULATOR_SECONDS_PER_AUDIO_SECOND,
            "processing_jitter": settings.SIMULATOR_PROCESSING_JITTER,
            "url_ttl_seconds": settings.SIMULATOR_URL_TTL_SECONDS,
            "concurrency": settings.SIMULATOR_CONCURRENCY,
            "webhook_secret": settings.SIMULATOR_WEBHOOK_SECRET,
            "limits": provider_limits(),
        }
        return cls(**(values | overrides))


class Simulator:
    """The WSGI app. ``faults`` takes injected faults; ``stats`` counts what was received."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.faults = FaultBook()
        self.stats: Counter[str] = Counter()
        self._random = random.Random()  # noqa: S311 (jitter, not a secret)
        self.store = TaskStore(config.data_dir)
        self.inputs = Inputs(config, self.store)
        self.callbacks = Callbacks(config, self.stats)
        self._renders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-render")
        for task in self.store:
            if task["render"] == "pending":  # the simulator stopped while rendering
                self._start_render(task)

    # WSGI.

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            response = self.dispatch(environ)
        except Reject as reject:
            response = self._refuse(reject)
        except Exception:
            logger.exception("simulator error")
            response = self._refuse(Reject(500, 5000, "Internal server error"))
        return response(environ, start_response)

    def _refuse(self, reject: Reject) -> Response:
        self.stats[f"rejected_{reject.code}"] += 1
        return error_response(reject)

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
            answer = respond_to(fault)
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
        return envelope(self._task_data(self._advance(self.store.find(task_key))))

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
        mode = body.get("mode") or Mode.STD
        external_id = str(body.get("external_task_id") or "")
        if not image:
            raise Reject(400, 1201, "image is required")
        if bool(sound_file) == bool(audio_id):
            raise Reject(400, 1201, "Exactly one of audio_id and sound_file is required")
        if mode not in UNITS_PER_SECOND:
            raise Reject(400, 1201, "mode must be std or pro")
        if not isinstance(prompt, str) or len(prompt) > limits.prompt_max_chars:
            raise Reject(400, 1201, f"prompt must be at most {limits.prompt_max_chars} characters")
        with self.store.lock:
            if external_id and self.store.has_external_id(external_id):
                raise Reject(400, 1201, "external_task_id already exists")
            active = sum(
                1 for t in self.store if self._advance(t)["status"] in ("submitted", "processing")
            )
            if active >= self.config.concurrency:
                raise Reject(429, 1303, "Parallel tasks over resource pack limit")
            task_id = uuid.uuid4().hex
            folder = self.store.input_folder(task_id)
            try:
                image_path = self.inputs.store_image(image, folder)
                audio_path, audio_seconds = (
                    self.inputs.store_sound(sound_file, folder)
                    if sound_file
                    else self.inputs.voice_path(audio_id)
                )
            except Reject:
                remove_tree(folder)
                raise
            moderation = self.faults.take("create", kinds=("moderation", "task_failed"))
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
                # beyond the configured base, so a test may change the base afterwards
                "processing_extra": self._processing_seconds(audio_seconds)
                - self.config.processing_seconds,
                "render": "pending",
                "video_id": uuid.uuid4().hex,
                "duration": 0.0,
            }
            self.store.add(task)
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
        with self.store.lock:
            tasks = sorted(self.store, key=lambda t: t["created"], reverse=True)
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
        path = self.store.file(f"voice-{audio_id}.mp3")
        duration = synthesise(text, language, float(speed), path)
        record = {
            "id": audio_id,
            "path": str(path),
            "duration": duration,
            "created": self._now_ms(),
            "voice_id": voice_id,
            "voice_language": language,
            "voice_speed": speed,
            "characters": len(text),
        }
        self.store.keep_voice(record)
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
        path = self.store.file(name)
        expires = self.store.expiry_of(name)
        if not path.exists():
            return json_response(404, {"code": 1203, "message": "File not found"})
        if expires is not None and self._now_ms() > expires:
            return json_response(403, {"code": 1203, "message": "This link has expired"})
        self.stats["downloads"] += 1
        fault = self.faults.take("download", kinds=("broken_download", "slow_download"))
        size = path.stat().st_size
        kind = "video/mp4" if name.endswith(".mp4") else "audio/mpeg"
        headers = [("Content-Type", kind), ("Content-Length", str(size))]
        return Response(200, stream_file(path, size, fault), headers)

    # Tasks.

    def _advance(self, task: dict) -> dict:
        """Move the task along the clock; announce the change when its status moved."""
        with self.store.lock:
            status = self._status_now(task)
            if status == task["status"]:
                return task
            task["status"] = status
            # When it really changed, as Kling says, not when someone happened to ask.
            task["updated"] = min(self._now_ms(), self._changed_at_ms(task, status))
            if status == "succeed":
                task["expires"] = task["updated"] + int(self.config.url_ttl_seconds * 1000)
            self.store.save(task)
        self._announce(task)
        return task

    def _status_now(self, task: dict) -> str:
        if task["status"] in ("succeed", "failed"):
            return task["status"]
        elapsed = (self._now_ms() - task["created"]) / 1000
        if elapsed < self.config.submitted_seconds:
            return "submitted"
        processing = self.config.processing_seconds + task.get("processing_extra", 0.0)
        if elapsed < self.config.submitted_seconds + processing:
            return "processing"
        if task["fail_reason"] or task["render"] == "failed":
            return "failed"
        return "succeed" if task["render"] == "done" else "processing"

    def _changed_at_ms(self, task: dict, status: str) -> int:
        seconds = self.config.submitted_seconds
        if status in ("succeed", "failed"):
            seconds += self.config.processing_seconds + task.get("processing_extra", 0.0)
        return max(task["created"] + int(seconds * 1000), task.get("rendered", 0))

    def _processing_seconds(self, audio_seconds: float) -> float:
        """How long this task takes to render at Kling: a fixed part, a part per second of
        voice, and the jitter."""
        config = self.config
        seconds = config.processing_seconds
        seconds += config.processing_seconds_per_audio_second * audio_seconds
        spread = config.processing_jitter * self._random.uniform(-1.0, 1.0)
        return max(0.0, seconds * (1.0 + spread))

    def tick(self) -> None:
        """Advance every unfinished task; the standalone server calls this twice a second."""
        unfinished = [t for t in self.store if t["status"] not in ("succeed", "failed")]
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
        out = self.store.file(f"{task['video_id']}.mp4")
        partial = out.with_suffix(".part")
        try:
            duration = render_clip(task["image"], task["audio"], partial, task["mode"])
            partial.replace(out)
            outcome = {"render": "done", "duration": duration, "rendered": self._now_ms()}
        except Exception:
            logger.exception("simulator could not render task %s", task["task_id"])
            partial.unlink(missing_ok=True)
            outcome = {"render": "failed"}
        with self.store.lock:
            task.update(outcome)
            self.store.save(task)

    def _announce(self, task: dict) -> None:
        self.callbacks.announce(task["callback_url"], self._task_data(task))

    def _now_ms(self) -> int:
        return int(self.config.clock() * 1000)

    def close(self) -> None:
        """Finish the renders and callbacks under way; drop the ones not started yet."""
        self._renders.shutdown(wait=True, cancel_futures=True)
        self.callbacks.close()
