"""Waiting on progress, never on the clock.

A test that waits for something (workers to finish their jobs, a page to show a status, a
simulated task to end, a server to answer) fails only when nothing it watches has changed for
a generous stretch: a worker died, a job is stuck, a server never came up. How long the whole
takes is the machine's business, so a busy machine makes a test slower, never red.

``STALL_SECONDS`` (the ``TEST_STALL_SECONDS`` variable, 120 by default) is that stretch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Hashable

STALL_SECONDS = float(os.environ.get("TEST_STALL_SECONDS", "120"))


class Stalled(AssertionError):
    """Nothing a wait watched changed for ``STALL_SECONDS``."""


def nothing() -> None:
    """The progress of a wait for a single event: there is none to see until it happens."""


def wait_for[T](
    done: Callable[[], T],
    *,
    what: str,
    progress: Callable[[], Hashable] = nothing,
    interval: float = 0.05,
    stall: float | None = None,
) -> T:
    """Call ``done`` until it returns something true, and return that.

    ``progress`` returns a snapshot of what is moving (statuses, counts, a page's state); each
    new snapshot restarts the stall timer, so a slow machine that keeps moving is never
    failed. An exception from ``done`` or ``progress`` ends the wait at once.
    """
    stall = STALL_SECONDS if stall is None else stall
    seen = progress()
    changed_at = time.monotonic()
    while not (result := done()):
        now = progress()
        if now != seen:
            seen, changed_at = now, time.monotonic()
        elif time.monotonic() - changed_at > stall:
            raise Stalled(f"nothing changed for {stall:.0f} s while waiting for {what}: {seen!r}")
        time.sleep(interval)
    return result
