"""``/healthz`` answers anyone cheaply; ``/healthz/deep`` checks every part, for operators only."""

from __future__ import annotations

import pytest
from django.db import connection

from avatarstudio.core import health

pytestmark = pytest.mark.django_db
TOKEN = "an-operators-health-token"


@pytest.fixture
def deep(client, settings):
    settings.HEALTHZ_TOKEN = TOKEN

    def get():
        return client.get("/healthz/deep", headers={"Authorization": f"Bearer {TOKEN}"})

    return get


def test_healthz_answers_200_from_the_database_alone(client, monkeypatch):
    def storage_must_not_be_touched() -> dict:
        raise AssertionError("the public check touched the storage")

    monkeypatch.setitem(health.CHECKS, "storage", storage_must_not_be_touched)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": {"ok": True, "vendor": connection.vendor}}


def test_healthz_leaves_no_probe_file_behind(client, tmp_path):
    client.get("/healthz")
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))


def test_the_deep_check_reports_every_part_to_the_token_holder(deep):
    response = deep()
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["storage"] == {"ok": True}
    assert body["task_queue"]["ok"] is True
    assert body["task_queue"]["backend"] == "DatabaseBackend"


def test_the_deep_check_leaves_no_probe_file_behind(deep, tmp_path):
    deep()
    assert not any((tmp_path / "media").rglob("*.txt"))


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer "])
def test_the_deep_check_is_404_without_the_token(client, settings, header):
    settings.HEALTHZ_TOKEN = TOKEN
    headers = {"Authorization": header} if header else {}
    assert client.get("/healthz/deep", headers=headers).status_code == 404


def test_the_deep_check_is_404_while_no_token_is_set(client, settings):
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz/deep", headers={"Authorization": "Bearer "}).status_code == 404


def test_the_deep_check_answers_503_and_names_the_broken_part(deep, monkeypatch):
    def broken_storage() -> dict:
        raise PermissionError("disk says no")

    monkeypatch.setitem(health.CHECKS, "storage", broken_storage)
    response = deep()
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["storage"] == {"ok": False, "error": "PermissionError"}
    assert body["database"]["ok"] is True


def test_healthz_is_never_cached(client):
    assert "no-store" in client.get("/healthz")["Cache-Control"]
