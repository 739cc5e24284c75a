"""The create form validates and nothing more: ``is_valid()`` makes no network call, stores no
file and writes no row, whichever voice it is given; ``services`` does those afterwards."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from avatarstudio.kling.client import KlingClient
from avatarstudio.studio.forms import GenerationForm
from avatarstudio.studio.models import Voice, VoiceKind
from tests.media_factory import photo_bytes, recording_bytes, voice_bytes

pytestmark = pytest.mark.django_db


class UsedAnyway(AssertionError):
    """Something the form must never touch was touched."""


CONSENT = {"consent_statement": "self"}  # new teams require consent for a face


@pytest.fixture
def untouchable(monkeypatch):
    """The provider client, any HTTP, name lookups and file storage fail the test when used."""

    def refuse(*args, **kwargs):
        raise UsedAnyway("the form used the network or the storage")

    for name in ("text_to_speech", "create_avatar_task", "get_avatar_task", "__init__"):
        monkeypatch.setattr(KlingClient, name, refuse)
    monkeypatch.setattr(httpx.Client, "send", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    monkeypatch.setattr(FileSystemStorage, "delete", refuse)


def photo():
    return SimpleUploadedFile("me.jpg", photo_bytes(600, 800), content_type="image/jpeg")


def voice_fields(source: str, team) -> tuple[dict, dict]:
    if source == "upload":
        return {}, {"audio": SimpleUploadedFile("v.mp3", voice_bytes(2.5, "mp3"))}
    if source == "record":
        return {}, {"recording": SimpleUploadedFile("r.webm", recording_bytes(3.0))}
    if source == "script":
        return {"script": "Hello and welcome to the studio.", "tts_voice": "en:ai_kaiya"}, {}
    recent = Voice.objects.create(
        team=team, kind=VoiceKind.RECORDING, duration=3.0, audio="teams/x/voices/y/r.m4a"
    )
    return {"recent_voice": str(recent.pk)}, {}


@pytest.mark.parametrize("source", ["upload", "record", "script", "recent"])
def test_is_valid_makes_no_network_call_and_writes_nothing(team, untouchable, source):
    data, files = voice_fields(source, team)
    data |= {"voice_source": source, "mode": "std", "submission_token": str(uuid.uuid4())} | CONSENT
    form = GenerationForm(data, {"photo": photo(), **files}, team=team)
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid(), form.errors
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert form.cleaned_data["voice_source"] == source


def test_a_photo_address_is_left_for_the_service_to_fetch(team, untouchable):
    data = {
        "photo_url": "https://cdn.example/me.png",
        "audio_id": "a1b2c3d4e5f6",
        "mode": "std",
        "submission_token": str(uuid.uuid4()),
        **CONSENT,
    }
    form = GenerationForm(data, {}, team=team)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["photo_url"] == "https://cdn.example/me.png"


def test_a_script_is_not_spoken_by_the_form(team, untouchable):
    data, _ = voice_fields("script", team)
    data |= {
        "voice_source": "script",
        "mode": "std",
        "submission_token": str(uuid.uuid4()),
    } | CONSENT
    form = GenerationForm(data, {"photo": photo()}, team=team)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["preview"] is None  # no speech yet: services.speak makes it
    assert not Voice.objects.exists()
