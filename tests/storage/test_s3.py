"""The app on an S3-compatible store: uploads, streamed multipart saving of a large result,
posters, downloads through short-lived signed URLs, the purge and team deletion."""

from __future__ import annotations

import tempfile
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from avatarstudio.library.models import Clip
from avatarstudio.library.purge import purge_trash
from avatarstudio.studio.models import Generation, Status
from avatarstudio.studio.pipeline import inputs
from tests.helpers import client_in
from tests.media_factory import photo_bytes, voice_bytes
from tests.storage.conftest import BUCKET, keys
from tests.studio.helpers import drive, start_generation

pytestmark = pytest.mark.django_db


def test_uploads_from_the_create_form_land_in_the_bucket(team, member, s3_storage):
    client_in(team, member).post(
        "/create/",
        {
            "photo": SimpleUploadedFile("face.jpg", photo_bytes(600, 800), "image/jpeg"),
            "audio": SimpleUploadedFile("voice.mp3", voice_bytes(3, "mp3"), "audio/mpeg"),
            "mode": "std",
            "submission_token": str(uuid.uuid4()),
            "consent_statement": "self",
        },
    )
    generation = Generation.objects.get()
    assert keys(s3_storage, f"teams/{team.pk}/inputs/{generation.pk}/") == [
        f"teams/{team.pk}/inputs/{generation.pk}/photo.jpg",
        f"teams/{team.pk}/inputs/{generation.pk}/voice.mp3",
    ]


def test_a_finished_video_and_its_poster_are_saved_to_the_bucket(team, owner, provider, s3_storage):
    generation = start_generation(team, owner)
    drive(generation)
    assert generation.status == Status.READY, generation.failure_message
    clip = generation.clip
    stored = keys(s3_storage, f"teams/{team.pk}/clips/{generation.pk}/")
    assert clip.video.name in stored and clip.poster.name in stored
    head = s3_storage.head_object(Bucket=BUCKET, Key=clip.video.name)
    assert head["ContentLength"] == clip.size_bytes


def test_a_large_result_is_saved_in_parts_never_whole_in_memory(s3_storage):
    size = 20 * 1024 * 1024  # past boto3's 8 MB multipart threshold
    with tempfile.TemporaryFile() as big:  # as the save step does: from a file on disk
        for _ in range(20):
            big.write(b"\0" * (1024 * 1024))
        big.seek(0)
        name = default_storage.save("teams/1/clips/big/video.mp4", File(big))
    head = s3_storage.head_object(Bucket=BUCKET, Key=name)
    assert head["ContentLength"] == size
    assert "-" in head["ETag"]  # an S3 multipart upload's ETag ends in -<number of parts>


def test_a_name_already_taken_is_never_overwritten(s3_storage):
    first = default_storage.save("teams/1/a.txt", ContentFile(b"first"))
    second = default_storage.save("teams/1/a.txt", ContentFile(b"second"))
    assert first != second
    assert default_storage.open(first).read() == b"first"


def test_objects_are_private(team, owner, s3_storage, s3_endpoint):
    name = default_storage.save("teams/1/private.txt", ContentFile(b"secret"))
    assert httpx.get(f"{s3_endpoint}/{BUCKET}/{name}").status_code == 403


def test_members_get_the_clip_through_a_short_lived_signed_url(team, owner, provider, s3_storage):
    generation = start_generation(team, owner)
    drive(generation)
    clip = generation.clip
    client = client_in(team, owner)

    response = client.get(f"/library/{clip.pk}/video.mp4")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) <= 600
    video = httpx.get(signed)
    assert video.status_code == 200
    assert video.content == default_storage.open(clip.video.name).read()
    assert httpx.get(signed, headers={"Range": "bytes=0-99"}).status_code == 206

    poster = httpx.get(client.get(f"/library/{clip.pk}/poster.jpg")["Location"])
    assert poster.status_code == 200 and poster.content[:3] == b"\xff\xd8\xff"

    download = httpx.get(client.get(f"/library/{clip.pk}/download")["Location"])
    assert download.status_code == 200
    assert 'attachment; filename="' in download.headers["Content-Disposition"]


def test_outsiders_get_no_signed_url(team, owner, outsider, provider, s3_storage):
    generation = start_generation(team, owner)
    drive(generation)
    from tests.helpers import client_for

    response = client_for(outsider).get(f"/library/{generation.clip.pk}/video.mp4")
    assert response.status_code == 404


def test_inputs_sent_as_urls_are_signed_urls_of_the_store(team, owner, s3_storage, settings):
    settings.KLING_INPUTS_AS_URLS = True
    generation = start_generation(team, owner)
    url = inputs.provider_form(generation.photo)
    assert "X-Amz-Signature" in url
    assert httpx.get(url).content == photo_bytes(600, 800)


def test_the_purge_removes_the_objects(team, owner, provider, s3_storage):
    generation = start_generation(team, owner)
    drive(generation)
    clip = generation.clip
    Clip.objects.filter(pk=clip.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    assert purge_trash() == 1
    assert keys(s3_storage, f"teams/{team.pk}/clips/") == []


def test_deleting_a_team_empties_its_folder_in_the_bucket(team, owner, provider, s3_storage):
    generation = start_generation(team, owner)
    drive(generation)
    assert keys(s3_storage, f"teams/{team.pk}/")
    response = client_in(team, owner).post("/team/delete/", {"confirm": "Acme Studio"})
    assert response.status_code == 302
    assert keys(s3_storage, f"teams/{team.pk}/") == []
