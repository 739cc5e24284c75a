"""The avatars pages: save, list, use, edit and delete a team's saved avatars."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from avatarstudio.accounts.models import AuditAction, AuditEvent
from avatarstudio.avatars.models import Avatar, Consent
from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Generation
from tests.avatars.helpers import face, make_avatar, video_of
from tests.helpers import client_in
from tests.media_factory import no_face_photo_bytes, voice_bytes
from tests.studio.helpers import drive

pytestmark = pytest.mark.django_db


def new_avatar_data(**overrides):
    data = {
        "name": "Ana",
        "photo": SimpleUploadedFile("ana.jpg", face(), content_type="image/jpeg"),
        "voice_kind": "tts",
        "tts_voice": "en:genshin_vindi2",
        "speed": "1.1",
        "prompt": "Friendly, looks at the camera",
        "mode": "pro",
        "consent_statement": "permission",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_member_saves_an_avatar_with_the_consent_they_confirmed(team, member):
    response = client_in(team, member).post("/avatars/new/", new_avatar_data())
    avatar = Avatar.objects.get(team=team)
    assert response.status_code == 302 and response.url == avatar.get_absolute_url()
    assert (avatar.name, avatar.mode, avatar.speed, avatar.tts_voice) == (
        "Ana",
        "pro",
        1.1,
        "en:genshin_vindi2",
    )
    consent = avatar.consent
    assert consent.statement_text == (
        "I have this person's written permission to make videos of them"
    )
    assert (consent.given_by, consent.given_by_email) == (member, "member@example.com")
    assert consent.photo_digest and not consent.is_withdrawn
    actions = set(AuditEvent.objects.filter(team=team).values_list("action", flat=True))
    assert {AuditAction.AVATAR_SAVED, AuditAction.CONSENT_GIVEN} <= actions


def test_an_avatar_is_not_saved_without_consent(team, member):
    response = client_in(team, member).post(
        "/avatars/new/", new_avatar_data(consent_statement=None)
    )
    assert response.status_code == 200
    assert "Confirm that you may use this face" in response.content.decode()
    assert not Avatar.objects.exists() and not Consent.objects.exists()


def test_an_avatar_needs_a_face_in_its_photo(team, member):
    photo = SimpleUploadedFile("wall.png", no_face_photo_bytes(), content_type="image/png")
    response = client_in(team, member).post("/avatars/new/", new_avatar_data(photo=photo))
    assert response.status_code == 200
    assert not Avatar.objects.exists()


def test_two_avatars_of_a_team_cannot_share_a_name(team, member):
    make_avatar(team, member, "Ana")
    response = client_in(team, member).post("/avatars/new/", new_avatar_data(name=" ana "))
    assert "already has an avatar called “ana”" in response.content.decode()
    assert Avatar.objects.count() == 1


def test_a_consent_document_must_be_a_pdf_or_an_image(team, member):
    document = SimpleUploadedFile("consent.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client_in(team, member).post(
        "/avatars/new/", new_avatar_data(consent_document=document)
    )
    assert "must be a PDF, or a JPEG, PNG or WebP image" in response.content.decode()
    assert not Avatar.objects.exists()


def test_a_consent_document_is_kept_and_only_admins_and_its_giver_may_open_it(
    team, member, admin, viewer
):
    document = SimpleUploadedFile("signed.PDF", b"%PDF-1.4 signed", "application/pdf")
    client_in(team, member).post("/avatars/new/", new_avatar_data(consent_document=document))
    consent = Consent.objects.get()
    assert consent.document.name.endswith("/document.pdf")
    url = f"/consents/{consent.pk}/document"
    assert client_in(team, member).get(url).status_code == 200
    assert client_in(team, admin).get(url).status_code == 200
    assert client_in(team, viewer).get(url).status_code == 404


def test_the_list_shows_each_avatar_with_its_portrait(team, member, viewer):
    avatar = make_avatar(team, member, "Ana")
    page = client_in(team, viewer).get("/avatars/").content.decode()
    assert f'src="/avatars/{avatar.pk}/photo"' in page
    assert "Ana" in page
    assert client_in(team, viewer).get(f"/avatars/{avatar.pk}/photo").status_code == 200


def test_the_create_page_starts_from_the_avatars_face_and_defaults(team, member):
    avatar = make_avatar(team, member, "Ana", prompt="Wave at the start")
    page = client_in(team, member).get(f"/create/?avatar={avatar.pk}").content.decode()
    assert f'src="/avatars/{avatar.pk}/photo"' in page
    assert "Wave at the start" in page
    assert "Consent of the person in the photo" not in page  # the avatar has it


def test_a_video_from_an_avatar_uses_its_face_and_consent(team, member, provider):
    avatar = make_avatar(team, member, "Ana")
    response = client_in(team, member).post(
        "/create/",
        {
            "avatar": str(avatar.pk),
            "audio": SimpleUploadedFile("hi.mp3", voice_bytes(2.5, "mp3"), "audio/mpeg"),
            "prompt": "Smile",
            "mode": "std",
            "submission_token": str(uuid.uuid4()),
        },
    )
    generation = Generation.objects.get()
    assert response.status_code == 302
    assert (generation.avatar, generation.consent) == (avatar, avatar.consent)
    assert generation.photo.read() == avatar.photo.read()
    assert Consent.objects.count() == 1  # no new consent for a saved face
    drive(generation)
    assert Clip.objects.get().consent == avatar.consent


def test_an_avatar_with_a_voice_recording_speaks_it_when_chosen(team, member):
    sample = voice_bytes(3, "wav")
    avatar = make_avatar(team, member, "Ana", voice_kind="sample")
    avatar.voice_sample.save("sample.wav", SimpleUploadedFile("s.wav", sample))
    avatar.voice_sample_seconds = 3.0
    avatar.save()
    client_in(team, member).post(
        "/create/",
        {
            "avatar": str(avatar.pk),
            "voice_source": "avatar",
            "mode": "std",
            "submission_token": str(uuid.uuid4()),
        },
    )
    generation = Generation.objects.get()
    assert generation.audio.read() == sample and generation.audio_seconds == 3.0


def test_editing_an_avatar_changes_no_video_already_made(team, member):
    avatar = make_avatar(team, member, "Ana", prompt="Before")
    generation = video_of(avatar, member)
    response = client_in(team, member).post(
        f"/avatars/{avatar.pk}/edit/",
        {
            "name": "Ana B.",
            "voice_kind": "tts",
            "tts_voice": "en:genshin_vindi2",
            "speed": "0.9",
            "prompt": "After",
            "mode": "pro",
        },
    )
    assert response.status_code == 302
    avatar.refresh_from_db()
    generation.refresh_from_db()
    assert (avatar.name, avatar.prompt, avatar.mode) == ("Ana B.", "After", "pro")
    assert (generation.prompt, generation.mode) == ("Before", "std")
    assert generation.photo.name != avatar.photo.name  # the video keeps a copy of the face


def test_a_member_may_not_change_another_members_avatar(team, member, admin):
    avatar = make_avatar(team, admin, "Ana")
    assert client_in(team, member).get(f"/avatars/{avatar.pk}/edit/").status_code == 404
    assert client_in(team, member).post(f"/avatars/{avatar.pk}/delete/").status_code == 404
    assert client_in(team, admin).get(f"/avatars/{avatar.pk}/edit/").status_code == 200


def test_deleting_an_avatar_keeps_its_videos_and_its_consent(team, member):
    avatar = make_avatar(team, member, "Ana")
    generation = video_of(avatar, member)
    photo = avatar.photo
    response = client_in(team, member).post(f"/avatars/{avatar.pk}/delete/")
    assert response.status_code == 302
    assert not Avatar.objects.exists() and not photo.storage.exists(photo.name)
    generation.refresh_from_db()
    assert generation.avatar is None and generation.consent == Consent.objects.get()
    assert AuditEvent.objects.filter(action=AuditAction.AVATAR_DELETED, subject="Ana").exists()


def test_another_teams_avatar_is_not_found(team, member, outsider):
    avatar = make_avatar(team, member, "Ana")
    assert client_in(avatar.team, member).get(avatar.get_absolute_url()).status_code == 200
    from tests.helpers import client_for

    assert client_for(outsider).get(avatar.get_absolute_url()).status_code == 404
    assert client_for(outsider).get(f"/create/?avatar={avatar.pk}").status_code == 200
    assert (
        f"/avatars/{avatar.pk}/photo"
        not in client_for(outsider).get(f"/create/?avatar={avatar.pk}").content.decode()
    )
