"""/metrics: the app's own figures for Prometheus, only for the holder of METRICS_TOKEN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from avatarstudio.studio import metrics
from avatarstudio.studio.models import Generation, SpeechCall, Status
from tests.helpers import client_in
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


def scrape(settings) -> dict[tuple[str, tuple], float]:
    settings.METRICS_TOKEN = TOKEN
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_metrics_are_not_found_without_the_token(settings):
    assert Client().get("/metrics").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 404
    wrong = {"Authorization": "Bearer not-the-token"}
    assert Client().get("/metrics", headers=wrong).status_code == 404


def test_metrics_count_jobs_by_status_and_the_oldest_overdue_one(team, member, settings):
    late = start_generation(team, member)
    Generation.objects.filter(pk=late.pk).update(next_step_at=timezone.now() - timedelta(minutes=5))
    failed = start_generation(team, member)
    Generation.objects.filter(pk=failed.pk).update(status=Status.FAILED, failure_code="moderation")
    figures = scrape(settings)
    assert figures[("avatarstudio_jobs", (("status", "queued"),))] == 1
    assert figures[("avatarstudio_jobs", (("status", "failed"),))] == 1
    assert 290 < figures[("avatarstudio_oldest_overdue_job_seconds", ())] < 400
    assert figures[("avatarstudio_provider_errors_total", (("code", "moderation"),))] == 1


def test_metrics_follow_a_video_from_kling_to_the_library_and_the_ledger(
    team, member, provider, settings
):
    generation = start_generation(team, member)
    drive(generation)
    SpeechCall.objects.create(team=team, member=member, characters=40)
    client = client_in(team, member)
    polls_before = metrics.polls_served()
    client.get(generation.get_absolute_url(), headers={"HX-Request": "true"})
    figures = scrape(settings)
    assert figures[("avatarstudio_jobs", (("status", "ready"),))] == 1
    assert 0 <= figures[("avatarstudio_finish_to_clip_seconds", (("quantile", "1"),))] < 120
    rendered = figures[("avatarstudio_status_polls_total", (("answer", "rendered"),))]
    assert rendered == polls_before["rendered"] + 1
    assert figures[("avatarstudio_tts_calls_total", ())] == 1
    settled = figures[("avatarstudio_ledger_seconds", (("charge", "settled"),))]
    assert settled == pytest.approx(generation.clip.duration)
    assert figures[("avatarstudio_ledger_provider_units_total", ())] > 0
