from __future__ import annotations

import base64
import uuid

from avatarstudio.kling.client import KlingClient
from avatarstudio.kling.types import AvatarRequest, AvatarTask, Mode
from tests.media_factory import photo_bytes, voice_bytes
from tests.waiting import wait_for


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def avatar_request(**overrides) -> AvatarRequest:
    values = {
        "image": b64(photo_bytes(600, 800)),
        "sound_file": b64(voice_bytes(2.5, "mp3")),
        "prompt": "A friendly presenter smiles and speaks to the camera.",
        "mode": Mode.STD,
        "external_task_id": uuid.uuid4().hex,
    } | overrides
    return AvatarRequest(**values)


def wait_until_final(
    client: KlingClient, task_id: str, poll: float = 0.05, stall: float | None = None
) -> AvatarTask:
    """Query the task until it ends; fail only when its status stops changing for ``stall`` s
    (by default tests/waiting.py's stretch; the real service may process for many minutes)."""
    seen: list[AvatarTask] = []

    def final() -> AvatarTask | None:
        seen.append(client.get_avatar_task(task_id))
        return seen[-1] if seen[-1].status.is_final else None

    def status() -> str | None:
        return seen[-1].status if seen else None

    return wait_for(
        final, what=f"task {task_id} to end", progress=status, interval=poll, stall=stall
    )
