"""A new batch: every row checked before anything is sent, each problem said in plain words,
the whole batch's length, cost and room in the team's limits shown before it starts."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from avatarstudio.batches.models import Batch, RowState
from avatarstudio.studio.models import Generation
from tests.avatars.helpers import make_avatar
from tests.batches.helpers import csv_upload
from tests.helpers import client_in
from tests.media_factory import voice_bytes

pytestmark = pytest.mark.django_db

ROWS = """title,script,audio,avatar,voice,mode,prompt
Welcome,Hello and welcome to the team!,,Ana,,,
Unknown face,Hi!,,Bob,,,
Two voices,Hi!,intro.mp3,Ana,,,
Odd voice,Hi!,,Ana,Nobody,,
Odd mode,Hi!,,Ana,,ultra,
Silent,,,Ana,,,
Chinese,大家好，欢迎收看本周新闻。,,Ana,阳光少年,pro,
"""


def preview(client, **fields):
    response = client.post("/batches/new/", fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Batch.objects.get(), client.get(response.url).content.decode()


def test_the_preview_says_each_rows_problem_in_plain_words(team, member):
    make_avatar(team, member, "Ana")
    batch, page = preview(client_in(team, member), sheet=csv_upload(ROWS))
    assert batch.is_draft and batch.name == "launch"
    states = {row.number: row.state for row in batch.rows.all()}
    assert states == {
        2: RowState.WAITING,
        3: RowState.LEFT_OUT,
        4: RowState.LEFT_OUT,
        5: RowState.LEFT_OUT,
        6: RowState.LEFT_OUT,
        7: RowState.LEFT_OUT,
        8: RowState.WAITING,
    }
    for sentence in (
        "This team has no avatar called “Bob”. Its avatars: Ana.",
        "Give a script or an audio file, not both.",
        "Kling has no voice called “Nobody”.",
        "The mode is “ultra”: write std or pro.",
        "Nothing to say: fill in the script, or name an audio file.",
    ):
        assert sentence in page
    assert "Make 2 videos" in page
    assert "5 rows with a problem are left out" in page
    assert not Generation.objects.exists()


def test_the_preview_shows_the_whole_batchs_length_and_cost(team, member):
    team.price_std = 2
    team.save()
    make_avatar(team, member, "Ana")
    rows = "script,avatar\n" + "A" * 140 + ",Ana\n" + "B" * 140 + ",Ana\n"  # 10 s each
    _, page = preview(client_in(team, member), pasted=rows)
    summary = "<strong>2 videos</strong>, about 20 s in all, estimated cost about 40.0 Kling units"
    assert summary in page


def test_rows_name_the_avatar_chosen_for_the_whole_batch_when_they_name_none(team, member):
    avatar = make_avatar(team, member, "Ana", mode="pro", prompt="Nod")
    batch, _ = preview(
        client_in(team, member), pasted="script\nHello there!\n", avatar=str(avatar.pk)
    )
    row = batch.rows.get()
    assert (row.avatar, row.mode, row.prompt, row.tts_voice) == (
        avatar,
        "pro",
        "Nod",
        "en:genshin_vindi2",
    )


def test_a_row_of_an_avatar_whose_consent_was_withdrawn_is_left_out(team, member, admin):
    avatar = make_avatar(team, member, "Ana")
    avatar.consent.withdraw(admin.memberships.get(team=team))
    batch, page = preview(client_in(team, member), pasted="script,avatar\nHi!,Ana\n")
    assert "Consent for the face of Ana was withdrawn" in page
    assert batch.rows.get().state == RowState.LEFT_OUT


def test_rows_take_their_voice_from_the_uploaded_zip(team, member):
    make_avatar(team, member, "Ana")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("voices/intro.mp3", voice_bytes(4, "mp3"))
        zipped.writestr("broken.mp3", b"not audio")
    batch, _ = preview(
        client_in(team, member),
        pasted="audio,avatar\nintro.mp3,Ana\nbroken.mp3,Ana\nmissing.mp3,Ana\n",
        voices=SimpleUploadedFile("voices.zip", archive.getvalue(), "application/zip"),
    )
    good, broken, missing = batch.rows.order_by("number")
    assert good.audio and 3.5 < good.audio_seconds < 4.5 and good.state == RowState.WAITING
    assert broken.check_problem.startswith("“broken.mp3”: ")
    assert missing.check_problem == "The ZIP has no file called “missing.mp3”."


def test_a_batch_the_monthly_limit_cannot_hold_is_refused_whole(team, member):
    team.monthly_limit_seconds = 15
    team.save()
    make_avatar(team, member, "Ana")
    rows = "script,avatar\n" + ("A" * 140 + ",Ana\n") * 3  # 10 s each, 30 s in all
    client = client_in(team, member)
    batch, page = preview(client, pasted=rows)
    assert "monthly limit" in page and "Make 3 videos" not in page
    response = client.post(f"/batches/{batch.pk}/start/", follow=True)
    assert "The batch was not started" in response.content.decode()
    batch.refresh_from_db()
    assert batch.is_draft and not Generation.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_what_to_do(team, member):
    response = client_in(team, member).post(
        "/batches/new/", {"sheet": SimpleUploadedFile("rows.xlsx", b"PK\x03\x04broken")}
    )
    assert "The workbook is damaged. Save it again as XLSX or CSV." in response.content.decode()
    assert not Batch.objects.exists()


def test_a_viewer_cannot_start_a_batch(team, member, viewer):
    make_avatar(team, member, "Ana")
    batch, _ = preview(client_in(team, member), pasted="script,avatar\nHi!,Ana\n")
    assert client_in(team, viewer).get("/batches/new/").status_code == 404
    assert client_in(team, viewer).post(f"/batches/{batch.pk}/start/").status_code == 404
