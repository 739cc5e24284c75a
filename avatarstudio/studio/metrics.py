"""The app's own figures for Prometheus, read from the database when it scrapes.

Nothing is kept in a process (gunicorn runs several, and a worker can die): each scrape
counts the rows, so every web process answers the same. The one figure no row holds, the
status-card polls served, is counted in the cache (Redis in production), where every process
adds its count once a second.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from avatarstudio.studio.models import (
    ACTIVE,
    COUNTED_SECONDS,
    Generation,
    LedgerEntry,
    SpeechCall,
    Status,
)

POLLS_KEY = "metrics:status-polls"
OVERDUE_GRACE = timedelta(seconds=15)
RECENT = timedelta(hours=1)
FLUSH_SECONDS = 1.0
UNCHANGED, RENDERED = "unchanged", "rendered"


class _PollCounter:
    """Polls served, by answer, added to the cache at most once a second per process: an
    unchanged card's poll costs about as much as a static file, and a cache write each
    would double it. A process that dies loses a second's count at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: Counter[str] = Counter()
        self.flushed_at = 0.0

    def count(self, answer: str) -> None:
        with self.lock:
            self.pending[answer] += 1
            now = time.monotonic()
            if now - self.flushed_at < FLUSH_SECONDS:
                return
            pending, self.pending, self.flushed_at = self.pending, Counter(), now
        for answer, polls in pending.items():
            _add(f"{POLLS_KEY}:{answer}", polls)

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, Counter()
        for answer, polls in pending.items():
            _add(f"{POLLS_KEY}:{answer}", polls)


def _add(key: str, amount: int) -> None:
    """``cache.incr`` is atomic in Redis; ``add`` first makes the key when it is missing."""
    if not cache.add(key, amount, timeout=None):
        try:
            cache.incr(key, amount)
        except ValueError:  # evicted between the two calls
            cache.add(key, amount, timeout=None)


_polls = _PollCounter()


def count_poll(*, unchanged: bool = False) -> None:
    """One status card poll served: answered ``204`` (``unchanged``) or rendered."""
    _polls.count(UNCHANGED if unchanged else RENDERED)


def polls_served() -> dict[str, int]:
    """Polls served by answer, this process's pending count included."""
    _polls.flush()
    keys = {answer: f"{POLLS_KEY}:{answer}" for answer in (UNCHANGED, RENDERED)}
    stored = cache.get_many(keys.values())
    return {answer: stored.get(key, 0) for answer, key in keys.items()}


class StudioCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield self._jobs()
        yield self._oldest_overdue()
        yield self._provider_errors()
        yield self._finish_to_clip()
        polls = CounterMetricFamily(
            "avatarstudio_status_polls",
            "Status cards served to polling pages, by answer: unchanged (204) or rendered.",
            labels=["answer"],
        )
        for answer, served in polls_served().items():
            polls.add_metric([answer], served)
        yield polls
        yield CounterMetricFamily(
            "avatarstudio_tts_calls",
            "Calls made to Kling's paid text-to-speech.",
            value=SpeechCall.objects.count(),
        )
        yield from self._ledger()

    def _jobs(self) -> Metric:
        jobs = GaugeMetricFamily(
            "avatarstudio_jobs", "Videos (not their parts) by status.", labels=["status"]
        )
        counts = dict(
            Generation.objects.videos()
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        for status in Status.values:
            jobs.add_metric([status], counts.get(status, 0))
        return jobs

    def _oldest_overdue(self) -> Metric:
        now = timezone.now()
        due = (
            Generation.objects.filter(status__in=ACTIVE, next_step_at__lte=now - OVERDUE_GRACE)
            .order_by("next_step_at")
            .values_list("next_step_at", flat=True)
            .first()
        )
        return GaugeMetricFamily(
            "avatarstudio_oldest_overdue_job_seconds",
            "How long the most overdue unfinished job has waited past its next step (0: none).",
            value=(now - due).total_seconds() if due else 0.0,
        )

    def _provider_errors(self) -> Metric:
        errors = CounterMetricFamily(
            "avatarstudio_provider_errors",
            "Jobs that failed, by their failure code.",
            labels=["code"],
        )
        failed = (
            Generation.objects.filter(status=Status.FAILED)
            .order_by()
            .values("failure_code")
            .annotate(n=Count("pk"))
        )
        for row in failed:
            errors.add_metric([row["failure_code"] or "unknown"], row["n"])
        return errors

    def _finish_to_clip(self) -> Metric:
        """Kling's finish to the clip in the library, over the last hour's videos (a long
        video's clip waits for its join, which its parts' figures would hide)."""
        recent = (
            Generation.objects.videos()
            .filter(
                status=Status.READY,
                finished_at__gte=timezone.now() - RECENT,
                provider_finished_at__isnull=False,
            )
            .values_list("finished_at", "provider_finished_at")[:2000]
        )
        seconds = [max(0.0, (done - kling).total_seconds()) for done, kling in recent]
        figure = GaugeMetricFamily(
            "avatarstudio_finish_to_clip_seconds",
            "Seconds from Kling finishing a task to its clip in the library, last hour.",
            labels=["quantile"],
        )
        figure.add_metric(["0.5"], statistics.median(seconds) if seconds else 0.0)
        figure.add_metric(["1"], max(seconds, default=0.0))
        return figure

    def _ledger(self) -> Iterator[Metric]:
        seconds = GaugeMetricFamily(
            "avatarstudio_ledger_seconds",
            "Seconds of video in the credit ledger, by where their credit stands.",
            labels=["charge"],
        )
        rows = (
            LedgerEntry.objects.order_by()
            .values("charge")
            .annotate(total=Sum(COUNTED_SECONDS), reserved=Sum(F("reserved_seconds")))
        )
        for row in rows:
            # Released credit counts nothing: say how much was given back instead.
            value = row["reserved"] if row["charge"] == "released" else row["total"]
            seconds.add_metric([row["charge"]], float(value or 0.0))
        yield seconds
        units = LedgerEntry.objects.aggregate(units=Sum("provider_units"))["units"]
        yield CounterMetricFamily(
            "avatarstudio_ledger_provider_units",
            "Kling units charged, as Kling reported them.",
            value=float(units or 0),
        )
