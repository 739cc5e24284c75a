"""When to ask Kling again about a running task: learned from the tasks that finished.

Without a callback, a finished task is noticed only at the next poll. The fixed schedule
(``GENERATION_POLL_SCHEDULE``: 3, 5, 10, 20, then every 30 s) asks often while nothing can
have happened yet and seldom when the task is about to end, so a finished part waits 15 s
on average. This plan learns, for each key and mode, how long Kling takes for a voice of a
given length: a least-squares line, seconds = a + b x audio seconds, over the finished tasks
(older ones count for less: ``DECAY``), with its spread. Then it asks:

- seldom while the task cannot be done yet (one question, or one a minute, until the
  expected finish less ``BEFORE`` spreads);
- every ``DENSE_STEP`` seconds or so around the expected finish, ``BEFORE`` spreads before it
  to ``AFTER`` after;
- later, backing off as the fixed schedule does, until the task ends or the job times out.

With fewer than ``MIN_SAMPLES`` finished tasks known, or no voice length (an ``audio_id``),
the fixed schedule is used. A task's time is Kling's own (its ``updated_at`` less its
``created_at``), so the polls we made do not blur what is learned. ``bench/poll_plan.py``
replays finished tasks against both plans.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from avatarstudio.studio.models import Generation, RenderTiming

DECAY = 0.97  # each finished task weighs this much less than the next one (about 30 remembered)
MIN_SAMPLES = 3
BEFORE = 1.5  # spreads before the expected finish where dense polling begins
AFTER = 2.0
DENSE_STEP = 5.0  # seconds between polls around the expected finish, at most (median 2.5 s)
SMALLEST_STEP = 1.0
LONGEST_WAIT = 60.0  # never more than this between two polls: a failed task is noticed too
SMALLEST_SPREAD = 1.0  # seconds
SPREAD_SHARE = 0.03  # and at least this share of the expected time
ALL_KEYS = "all"


@dataclass
class Line:
    """Decayed sums of (audio seconds, Kling's seconds), and the line they fit."""

    samples: int = 0
    weight: float = 0.0
    sum_x: float = 0.0
    sum_y: float = 0.0
    sum_xx: float = 0.0
    sum_xy: float = 0.0
    sum_yy: float = 0.0

    def add(self, x: float, y: float) -> None:
        for name in ("weight", "sum_x", "sum_y", "sum_xx", "sum_xy", "sum_yy"):
            setattr(self, name, getattr(self, name) * DECAY)
        self.samples += 1
        self.weight += 1.0
        self.sum_x += x
        self.sum_y += y
        self.sum_xx += x * x
        self.sum_xy += x * y
        self.sum_yy += y * y

    def estimate(self, x: float) -> tuple[float, float] | None:
        """Kling's expected seconds for ``x`` seconds of voice, and the spread; None when too
        little is known."""
        if self.samples < MIN_SAMPLES or self.weight <= 0:
            return None
        n = self.weight
        mean_x, mean_y = self.sum_x / n, self.sum_y / n
        var_x = self.sum_xx / n - mean_x * mean_x
        if var_x > 1.0:  # lengths differ enough to tell the fixed part from the per second
            slope = (self.sum_xy / n - mean_x * mean_y) / var_x
            intercept = mean_y - slope * mean_x
        else:  # all about one length: time in proportion to it
            slope, intercept = (mean_y / mean_x if mean_x else 0.0), 0.0
        residual = (
            self.sum_yy / n
            - 2 * intercept * mean_y
            - 2 * slope * self.sum_xy / n
            + intercept * intercept
            + 2 * intercept * slope * mean_x
            + slope * slope * self.sum_xx / n
        )
        expected = max(0.0, intercept + slope * x)
        spread = max(math.sqrt(max(0.0, residual)), SMALLEST_SPREAD, SPREAD_SHARE * expected)
        return expected, spread


def next_delay(elapsed: float, polls: int, estimate: tuple[float, float] | None) -> float:
    """Seconds until the next poll of a task ``elapsed`` seconds after Kling took it."""
    if estimate is None:
        return fixed_delay(polls)
    expected, spread = estimate
    start, end = expected - BEFORE * spread, expected + AFTER * spread
    if elapsed < start:
        return min(start - elapsed, LONGEST_WAIT)
    if elapsed <= end:
        return max(SMALLEST_STEP, min(DENSE_STEP, (end - start) / 6))
    late = elapsed - end  # later than it should be: back off as the fixed schedule does
    return max(3.0, min(fixed_delay(len(settings.GENERATION_POLL_SCHEDULE)), late / 2))


def fixed_delay(polls: int) -> float:
    plan = settings.GENERATION_POLL_SCHEDULE
    return float(plan[min(polls, len(plan) - 1)])


# Where the lines are kept.


def scopes_of(generation: Generation) -> tuple[str, str]:
    """The key's own scope, and every key's."""
    team = generation.team
    return ("server" if team.uses_server_key else f"team:{team.pk}"), ALL_KEYS


def estimate_for(generation: Generation) -> tuple[float, float] | None:
    if not generation.audio_seconds:
        return None
    for scope in scopes_of(generation):
        row = RenderTiming.objects.for_scope(scope, generation.mode).first()
        if row is not None:
            estimate = _line_of(row).estimate(generation.audio_seconds)
            if estimate is not None:
                return estimate
    return None


def delay_for(generation: Generation, elapsed: float) -> float:
    return next_delay(elapsed, generation.polls, estimate_for(generation))


def learn(generation: Generation) -> None:
    """Add a task that succeeded to what is known of its key and mode."""
    if not generation.audio_seconds or not generation.provider_seconds:
        return
    x, y = float(generation.audio_seconds), float(generation.provider_seconds)
    with transaction.atomic():
        for scope in scopes_of(generation):
            row, _ = RenderTiming.objects.select_for_update().get_or_create(
                scope=scope, mode=generation.mode
            )
            line = _line_of(row)
            line.add(x, y)
            for name, value in vars(line).items():
                setattr(row, name, value)
            row.save()


def _line_of(row: RenderTiming) -> Line:
    return Line(
        samples=row.samples,
        weight=row.weight,
        sum_x=row.sum_x,
        sum_y=row.sum_y,
        sum_xx=row.sum_xx,
        sum_xy=row.sum_xy,
        sum_yy=row.sum_yy,
    )
