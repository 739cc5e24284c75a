"""The simulator's callbacks: each status change POSTed to the task's ``callback_url``, signed
the Standard Webhooks way when a secret is set, from a small pool of threads (or at once,
through a given transport, in tests)."""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from avatarstudio.kling import webhooks

logger = logging.getLogger(__name__)


class Callbacks:
    """Reads the secret and the transport from the simulator's config at each call."""

    def __init__(self, config: Any, stats: Counter[str]) -> None:
        self.config, self.stats = config, stats
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sim-callback")

    def announce(self, url: str, data: dict) -> None:
        if not url:
            return
        body = json.dumps(data, ensure_ascii=False).encode()
        if self.config.callback_transport is not None:
            self.post(url, body)
        else:
            self._pool.submit(self.post, url, body)

    def post(self, url: str, body: bytes) -> None:
        headers = {"Content-Type": "application/json"}
        if secret := self.config.webhook_secret:
            headers |= webhooks.signature_headers(secret, uuid.uuid4().hex, body)
        try:
            with httpx.Client(transport=self.config.callback_transport, timeout=10) as client:
                client.post(url, content=body, headers=headers)
            self.stats["callbacks_sent"] += 1
        except httpx.HTTPError as error:
            logger.warning("simulator callback to %s failed: %s", url, type(error).__name__)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
