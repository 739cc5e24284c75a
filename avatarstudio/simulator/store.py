"""Where the simulator keeps its tasks and voices: one folder, so a restart loses nothing.

``tasks/<id>.json`` (written whole, then renamed, so a crash never leaves half a task),
``inputs/<task>/`` (the image and sound a task was made from), ``voices/<audio_id>.json``
(what TTS made), and ``files/`` (the clips and speech served at ``/files/``).
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from avatarstudio.simulator.http import Reject


class TaskStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.RLock()
        for name in ("tasks", "inputs", "files", "voices"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        self.tasks: dict[str, dict] = {}
        for path in sorted((folder / "tasks").glob("*.json")):
            task = json.loads(path.read_text())
            self.tasks[task["task_id"]] = task

    def __iter__(self) -> Iterator[dict]:
        with self.lock:
            return iter(list(self.tasks.values()))

    def add(self, task: dict) -> None:
        with self.lock:
            self.tasks[task["task_id"]] = task
            self.save(task)

    def save(self, task: dict) -> None:
        path = self.folder / "tasks" / f"{task['task_id']}.json"
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
            json.dump(task, tmp)
        Path(tmp.name).replace(path)

    def find(self, key: str) -> dict:
        """The task with this task id, or else this external id; Kling's 1203 otherwise."""
        with self.lock:
            task = self.tasks.get(key) or next(
                (t for t in self.tasks.values() if key and t["external_task_id"] == key), None
            )
        if task is None:
            raise Reject(404, 1203, "Task not found")
        return task

    def has_external_id(self, external_id: str) -> bool:
        with self.lock:
            return any(t["external_task_id"] == external_id for t in self.tasks.values())

    def expiry_of(self, name: str) -> int | None:
        """When a served clip's link stops working (0: not yet ready); None for other files."""
        video_id = name.removesuffix(".mp4")
        with self.lock:
            for task in self.tasks.values():
                if task["video_id"] == video_id:
                    return task.get("expires", 0) if task["status"] == "succeed" else 0
        return None

    def input_folder(self, task_id: str) -> Path:
        folder = self.folder / "inputs" / task_id
        folder.mkdir(parents=True)
        return folder

    def file(self, name: str) -> Path:
        return self.folder / "files" / name

    def keep_voice(self, record: dict[str, Any]) -> None:
        (self.folder / "voices" / f"{record['id']}.json").write_text(json.dumps(record))

    def voice(self, audio_id: str) -> dict[str, Any] | None:
        path = self.folder / "voices" / f"{audio_id}.json"
        return json.loads(path.read_text()) if path.exists() else None


def remove_tree(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
