from __future__ import annotations

import pytest
from django.db import connection

from avatarstudio.core import health


@pytest.mark.django_db
def test_healthz_reports_every_part_and_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["storage"] == {"ok": True}
    assert body["task_queue"]["ok"] is True
    assert body["task_queue"]["backend"] == "DatabaseBackend"


@pytest.mark.django_db
def test_healthz_leaves_no_probe_file_behind(client, settings, tmp_path):
    client.get("/healthz")
    assert not any((tmp_path / "media").rglob("*.txt"))


@pytest.mark.django_db
def test_healthz_answers_503_and_names_the_broken_part(client, monkeypatch):
    def broken_storage() -> dict:
        raise PermissionError("disk says no")

    monkeypatch.setitem(health.CHECKS, "storage", broken_storage)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["storage"] == {"ok": False, "error": "PermissionError"}
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_never_cached(client):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]
