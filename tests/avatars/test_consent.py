"""Consent: recorded for every face the team uses, shown with each clip, and withdrawn by an
admin, after which nothing new is made from that face."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from avatarstudio.accounts.models import AuditAction, AuditEvent
from avatarstudio.avatars.models import Consent
from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Charge, Generation, LedgerEntry, Status
from tests.avatars.helpers import face, make_avatar, video_of
from tests.helpers import client_in
from tests.media_factory import voice_bytes
from tests.studio.helpers import drive, step

pytestmark = pytest.mark.django_db


def bare_upload(**fields):
    return {
        "photo": SimpleUploadedFile("me.jpg", face(), content_type="image/jpeg"),
        "audio": SimpleUploadedFile("hi.mp3", voice_bytes(2.5, "mp3"), "audio/mpeg"),
        "mode": "std",
        "submission_token": str(uuid.uuid4()),
        **fields,
    }


def test_new_teams_require_consent_for_every_face(team):
    assert team.require_consent is True


def test_a_video_from_a_bare_upload_records_the_consent_confirmed(team, member, provider):
    client_in(team, member).post("/create/", bare_upload(consent_statement="self"))
    generation = Generation.objects.get()
    consent = generation.consent
    assert consent.statement_text == "I am the person in this photo"
    assert consent.given_by == member and consent.given_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT_GIVEN).count() == 1
    drive(generation)
    clip = Clip.objects.get()
    assert clip.consent == consent
    page = client_in(team, member).get(clip.get_absolute_url()).content.decode()
    assert "I am the person in this photo" in page


def test_a_bare_upload_without_consent_is_refused_and_nothing_is_made(team, member):
    response = client_in(team, member).post("/create/", bare_upload())
    assert response.status_code == 200
    assert "Confirm that you may use this face" in response.content.decode()
    assert not Generation.objects.exists() and not Consent.objects.exists()


def test_no_consent_is_asked_when_the_team_does_not_require_it(team, member):
    team.require_consent = False
    team.save()
    page = client_in(team, member).get("/create/").content.decode()
    assert "Consent of the person in the photo" not in page
    client_in(team, member).post("/create/", bare_upload())
    assert Generation.objects.get().consent is None


def test_a_refused_start_keeps_no_consent(team, member):
    team.monthly_limit_seconds = 1
    team.save()
    client_in(team, member).post("/create/", bare_upload(consent_statement="self"))
    assert not Generation.objects.exists() and not Consent.objects.exists()


def test_only_an_admin_may_withdraw_consent(team, member, admin):
    avatar = make_avatar(team, member)
    url = f"/consents/{avatar.consent.pk}/withdraw/"
    assert client_in(team, member).post(url).status_code == 404
    response = client_in(team, admin).post(url, {"reason": "She asked us to stop"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.is_withdrawn and consent.withdrawn_by_email == "admin@example.com"
    event = AuditEvent.objects.get(action=AuditAction.CONSENT_WITHDRAWN)
    assert (event.subject, event.detail) == ("avatar Ana", "She asked us to stop")


def test_after_withdrawal_no_new_video_is_made_from_the_avatar(team, member, admin):
    avatar = make_avatar(team, member)
    avatar.consent.withdraw(admin.memberships.get(team=team))
    response = client_in(team, member).post(
        "/create/",
        {
            "avatar": str(avatar.pk),
            "audio": SimpleUploadedFile("hi.mp3", voice_bytes(2.5, "mp3"), "audio/mpeg"),
            "mode": "std",
            "submission_token": str(uuid.uuid4()),
        },
    )
    assert "Consent to use this face was withdrawn" in response.content.decode()
    assert not Generation.objects.exists()
    page = client_in(team, member).get("/avatars/").content.decode()
    assert "Consent withdrawn" in page


def test_after_withdrawal_the_same_photo_uploaded_again_is_refused(team, member, admin):
    make_avatar(team, member).consent.withdraw(admin.memberships.get(team=team))
    response = client_in(team, member).post("/create/", bare_upload(consent_statement="self"))
    assert "Consent to use this face was withdrawn" in response.content.decode()
    assert not Generation.objects.exists()


def test_after_withdrawal_a_failed_video_is_not_tried_again(team, member, admin):
    avatar = make_avatar(team, member)
    generation = video_of(avatar, member)
    Generation.objects.filter(pk=generation.pk).update(status=Status.FAILED, retry_helps=True)
    avatar.consent.withdraw(admin.memberships.get(team=team))
    response = client_in(team, member).post(f"/generations/{generation.pk}/retry/", follow=True)
    assert "Consent to use this face was withdrawn" in response.content.decode()
    assert Generation.objects.count() == 1


def test_a_video_not_yet_sent_when_consent_is_withdrawn_stops_uncharged(
    team, member, admin, provider
):
    avatar = make_avatar(team, member)
    generation = video_of(avatar, member)
    avatar.consent.withdraw(admin.memberships.get(team=team))
    step(generation)
    assert generation.status == Status.FAILED
    assert generation.failure_code == "consent_withdrawn"
    assert not generation.provider_task_id
    assert LedgerEntry.objects.get(generation=generation).charge == Charge.RELEASED


def test_the_consent_page_lists_what_was_made_under_it(team, member, viewer, provider):
    avatar = make_avatar(team, member)
    drive(video_of(avatar, member))
    page = client_in(team, viewer).get(avatar.consent.get_absolute_url()).content.decode()
    assert "I am the person in this photo" in page and "member@example.com" in page
    assert Clip.objects.get().title in page
    assert "Withdraw consent" not in page  # a viewer cannot


def test_save_as_avatar_keeps_the_face_and_the_consent_of_the_video(team, member, provider):
    client_in(team, member).post("/create/", bare_upload(consent_statement="self"))
    generation = Generation.objects.get()
    drive(generation)
    client = client_in(team, member)
    assert "Save as avatar" in client.get(generation.get_absolute_url()).content.decode()
    response = client.post(
        f"/generations/{generation.pk}/save-avatar/",
        {"name": "Me", "voice_kind": "tts", "tts_voice": "en:genshin_vindi2", "speed": "1"}
        | {"mode": "std", "prompt": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    avatar = generation.team.avatars.get()
    assert avatar.consent == generation.consent
    assert avatar.photo.read() == generation.photo.read()
    assert Consent.objects.count() == 1


def test_a_face_withdrawn_under_another_consent_is_not_saved_as_an_avatar_nor_retried(
    team, member, admin, provider
):
    team.require_consent = False  # the first video records no consent of its own
    team.save()
    client_in(team, member).post("/create/", bare_upload())
    generation = Generation.objects.get()
    drive(generation)
    Generation.objects.filter(pk=generation.pk).update(retry_helps=True)
    avatar = make_avatar(team, member, "Ana", photo=generation.photo.read())
    avatar.consent.withdraw(admin.memberships.get(team=team))
    client = client_in(team, member)
    response = client.get(f"/generations/{generation.pk}/save-avatar/", follow=True)
    assert "Consent to use this face was withdrawn" in response.content.decode()
    Generation.objects.filter(pk=generation.pk).update(status=Status.FAILED)
    response = client.post(f"/generations/{generation.pk}/retry/", follow=True)
    assert "Consent to use this face was withdrawn" in response.content.decode()
    assert Generation.objects.count() == 1


def test_a_start_that_breaks_leaves_no_consent_behind(team, member, monkeypatch):
    from avatarstudio.studio import services

    def storage_is_down(**kwargs):
        raise OSError("the disk is full")

    monkeypatch.setattr(services, "start_generation", storage_is_down)
    client = client_in(team, member)
    client.raise_request_exception = False
    response = client.post("/create/", bare_upload(consent_statement="self"))
    assert response.status_code == 500
    assert not Consent.objects.exists()


def test_a_video_not_made_yet_cannot_be_saved_as_an_avatar(team, member):
    generation = video_of(make_avatar(team, member), member)
    assert (
        client_in(team, member).get(f"/generations/{generation.pk}/save-avatar/").status_code == 404
    )
