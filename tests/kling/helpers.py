from __future__ import annotations

import base64
import time
import uuid

from avatarstudio.kling.client import KlingClient
from avatarstudio.kling.types import AvatarRequest, AvatarTask, Mode
from tests.media_factory import photo_bytes, voice_bytes


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
    client: KlingClient, task_id: str, timeout: float = 10.0, poll: float = 0.05
) -> AvatarTask:
    deadline = time.monotonic() + timeout
    while True:
        task = client.get_avatar_task(task_id)
        if task.status.is_final or time.monotonic() > deadline:
            return task
        time.sleep(poll)
