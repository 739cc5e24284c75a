"""Kling's callbacks wake a job at once; the job then asks Kling and trusts only that."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from avatarstudio.kling import webhooks
from avatarstudio.studio.models import Generation, Status
from tests.studio.helpers import start_generation

pytestmark = pytest.mark.django_db
SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="


@pytest.fixture
def waiting(team, owner, provider):
    generation = start_generation(team, owner)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.PROCESSING, next_step_at=timezone.now() + timedelta(seconds=30)
    )
    generation.refresh_from_db()
    return generation


def hook(client, generation, body=b'{"task_status": "succeed"}', headers=None):
    return client.post(
        f"/hooks/kling/{generation.callback_token}/",
        body,
        content_type="application/json",
        headers=headers or {},
    )


def test_a_callback_wakes_the_job_now(client, waiting, django_capture_on_commit_callbacks):
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = hook(client, waiting)
    assert response.status_code == 204
    waiting.refresh_from_db()
    assert waiting.next_step_at <= timezone.now()
    assert waiting.status == Status.PROCESSING  # the body is not trusted
    assert DBTaskResult.objects.get().args_kwargs["args"][0] == str(waiting.pk)


def test_an_unknown_token_is_404(client, waiting):
    response = client.post("/hooks/kling/not-a-token/", b"{}", content_type="application/json")
    assert response.status_code == 404


def test_a_callback_for_a_finished_job_changes_nothing(client, waiting):
    Generation.objects.filter(pk=waiting.pk).update(status=Status.READY, next_step_at=None)
    assert hook(client, waiting).status_code == 204
    waiting.refresh_from_db()
    assert waiting.next_step_at is None


def test_with_a_secret_an_unsigned_callback_is_refused(client, waiting, settings):
    settings.KLING_WEBHOOK_SECRET = SECRET
    assert hook(client, waiting).status_code == 401


def test_with_a_secret_a_signed_callback_is_accepted(client, waiting, settings):
    settings.KLING_WEBHOOK_SECRET = SECRET
    body = json.dumps({"task_status": "succeed"}).encode()
    headers = webhooks.signature_headers(SECRET, "evt-1", body)
    assert hook(client, waiting, body, headers).status_code == 204


def test_a_callback_must_be_a_post(client, waiting):
    assert client.get(f"/hooks/kling/{waiting.callback_token}/").status_code == 405
