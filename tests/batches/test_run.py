"""A started batch: its rows made a few at a time by the worker, nothing lost or made twice
when the worker dies in the middle, failed rows made again, and "Download all" streamed."""

from __future__ import annotations

import io
import zipfile

import pytest

from avatarstudio.batches import services
from avatarstudio.batches.models import Batch, BatchRow, RowState
from avatarstudio.studio.models import Generation, Status, Voice
from tests.avatars.helpers import make_avatar
from tests.batches.helpers import csv_upload, run_step
from tests.helpers import client_in
from tests.studio.helpers import drive

pytestmark = pytest.mark.django_db


SCRIPT = "Hello and welcome to row {n} of our launch, everyone."


def started_batch(team, user, rows: int, script: str = SCRIPT):
    make_avatar(team, user, "Ana")
    lines = "title,script,avatar\n" + "".join(
        f'Row {n},"{script.format(n=n)}",Ana\n' for n in range(1, rows + 1)
    )
    client = client_in(team, user)
    client.post("/batches/new/", {"sheet": csv_upload(lines)})
    batch = Batch.objects.get()
    response = client.post(f"/batches/{batch.pk}/start/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert not batch.is_draft
    return batch


def test_a_batch_starts_no_more_rows_at_once_than_the_provider_runs(
    team, member, provider, settings
):
    settings.BATCH_ROWS_AT_ONCE = 2
    batch = started_batch(team, member, 3)
    assert run_step(batch) == "started 2"
    assert Generation.objects.count() == 2
    assert run_step(batch) == "started 0"  # the two still run
    progress = batch.progress()
    assert (progress.making, progress.waiting) == (2, 1)
    first = batch.rows.get(number=2).generation
    drive(first)
    assert run_step(batch) == "started 1"
    titles = set(Generation.objects.values_list("title", flat=True))
    assert titles == {"Row 1", "Row 2", "Row 3"}


def test_a_worker_dying_in_the_middle_of_a_batch_makes_nothing_twice(
    team, member, provider, settings, monkeypatch
):
    settings.BATCH_ROWS_AT_ONCE = 3
    batch = started_batch(team, member, 3)
    real_save = BatchRow.save
    saves = []

    def dies_on_the_second_row(self, *args, **kwargs):
        saves.append(self.number)
        if len(saves) == 2:
            raise SystemExit("the worker was killed")  # after the video was created
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(BatchRow, "save", dies_on_the_second_row)
    with pytest.raises(SystemExit):
        run_step(batch)
    monkeypatch.setattr(BatchRow, "save", real_save)
    assert Generation.objects.count() == 2  # row 2's video exists, but row 2 does not know
    assert run_step(batch) == "started 2"  # rows 2 and 3; row 2 finds its video again
    assert Generation.objects.count() == 3
    assert Voice.objects.count() == 3  # each script spoken once
    assert all(row.generation_id for row in batch.rows.all())


def test_the_sweep_wakes_a_batch_whose_worker_died(team, member, provider):
    from datetime import timedelta

    from django.utils import timezone

    from avatarstudio.batches.tasks import sweep_batches

    batch = started_batch(team, member, 1)
    long_ago = timezone.now() - timedelta(minutes=10)
    Batch.objects.filter(pk=batch.pk).update(next_step_at=long_ago, lease_until=long_ago)
    assert sweep_batches() == 1
    assert run_step(batch) == "started 1"


def test_a_batch_finishes_and_failed_rows_are_made_again_on_retry(team, member, provider):
    batch = started_batch(team, member, 2)
    run_step(batch)
    good, bad = (row.generation for row in batch.rows.order_by("number"))
    drive(good)
    Generation.objects.filter(pk=bad.pk).update(
        status=Status.FAILED, failure_message="Kling refused it."
    )
    assert run_step(batch) == "finished"
    assert batch.finished_at is not None
    row = batch.rows.get(number=3)
    assert (row.state, row.failure) == (RowState.FAILED, "Kling refused it.")
    page = client_in(team, member).get(batch.get_absolute_url()).content.decode()
    assert "Retry 1 failed row" in page and "Kling refused it." in page
    response = client_in(team, member).post(f"/batches/{batch.pk}/retry/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.finished_at is None
    assert run_step(batch) == "started 1"
    row.refresh_from_db()
    assert row.generation_id not in (None, bad.pk)
    drive(row.generation)
    assert run_step(batch) == "finished"
    assert batch.progress().ready == 2


def test_a_row_that_cannot_start_keeps_its_reason_and_the_others_go_on(team, member, provider):
    batch = started_batch(team, member, 2)
    first = batch.rows.get(number=2)
    first.avatar.consent.withdraw(member.memberships.get(team=team) and _admin_of(team))
    run_step(batch)
    first.refresh_from_db()
    assert first.state == RowState.FAILED
    assert "Consent to use this face was withdrawn" in first.problem
    assert not Generation.objects.exists()


def _admin_of(team):
    return team.memberships.get(role="owner")


def test_download_all_streams_every_ready_clip_in_one_zip(team, member, provider):
    batch = started_batch(team, member, 2)
    run_step(batch)
    for row in batch.rows.all():
        drive(row.generation)
    response = client_in(team, member).get(f"/batches/{batch.pk}/clips.zip")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.namelist() == ["002-row-1.mp4", "003-row-2.mp4"]
    clip = batch.rows.get(number=2).generation.clip
    assert archive.read("002-row-1.mp4") == clip.video.read()


def test_download_all_leaves_out_what_a_viewer_may_not_download_yet(team, member, viewer, provider):
    batch = started_batch(team, member, 1)
    run_step(batch)
    generation = batch.rows.get().generation
    drive(generation)
    generation.clip.review_state = "in_review"
    generation.clip.save()
    response = client_in(team, viewer).get(f"/batches/{batch.pk}/clips.zip")
    assert response.status_code == 302  # nothing it may take yet
    assert client_in(team, member).get(f"/batches/{batch.pk}/clips.zip").status_code == 200


def test_drafts_nobody_started_are_forgotten_after_a_day(team, member):
    from datetime import timedelta

    from django.utils import timezone

    make_avatar(team, member, "Ana")
    client_in(team, member).post("/batches/new/", {"pasted": "script,avatar\nHi!,Ana\n"})
    assert services.forget_old_drafts() == 0
    assert services.forget_old_drafts(timezone.now() + timedelta(days=2)) == 1
    assert not Batch.objects.exists()


def test_a_clip_deleted_for_good_is_not_made_again_and_the_batch_still_ends(team, member, provider):
    batch = started_batch(team, member, 2)
    run_step(batch)
    first, second = (row.generation for row in batch.rows.order_by("number"))
    drive(first)
    drive(second)
    first.clip.delete_forever()
    assert run_step(batch) == "finished"
    row = batch.rows.get(number=2)
    assert row.state == RowState.GONE and row.generation is None
    assert Generation.objects.count() == 1
    page = client_in(team, member).get(batch.get_absolute_url()).content.decode()
    assert "Clip deleted" in page and 'hx-trigger="every 3s, poll-now"' not in page


def test_a_row_that_breaks_unexpectedly_does_not_hold_up_the_others(
    team, member, provider, monkeypatch
):
    from avatarstudio.batches import steps

    batch = started_batch(team, member, 2)
    real = steps._voice_of

    def breaks_on_the_first(batch_, row):
        if row.number == 2:
            raise FileNotFoundError("the avatar's file is gone")
        return real(batch_, row)

    monkeypatch.setattr(steps, "_voice_of", breaks_on_the_first)
    assert run_step(batch) == "started 1"
    broken = batch.rows.get(number=2)
    assert broken.state == RowState.FAILED and "we have logged it" in broken.problem
    assert batch.rows.get(number=3).generation is not None


def test_no_script_is_spoken_for_a_row_the_monthly_limit_cannot_hold(team, member, provider):
    from avatarstudio.studio.models import SpeechCall

    batch = started_batch(team, member, 1)
    team.monthly_limit_seconds = 1
    team.save()
    run_step(batch)
    row = batch.rows.get()
    assert row.state == RowState.FAILED and "monthly limit" in row.problem
    assert not SpeechCall.objects.exists()


def test_a_batch_whose_maker_left_stops_and_is_made_again_by_who_retries_it(
    team, member, admin, provider
):
    batch = started_batch(team, member, 1)
    team.memberships.get(user=member).delete()
    assert run_step(batch) == "finished"
    row = batch.rows.get()
    assert "no longer in the team" in row.problem
    client_in(team, admin).post(f"/batches/{batch.pk}/retry/")
    assert run_step(batch) == "started 1"
    assert batch.rows.get().generation.created_by == admin


def test_a_row_tried_again_by_hand_follows_its_new_video(team, member, provider):
    batch = started_batch(team, member, 1)
    run_step(batch)
    failed = batch.rows.get().generation
    Generation.objects.filter(pk=failed.pk).update(status=Status.FAILED, retry_helps=True)
    client_in(team, member).post(f"/generations/{failed.pk}/retry/")
    row = batch.rows.get()
    assert row.generation_id not in (None, failed.pk)
    assert services.retry_failed(batch, member) == 0  # nothing failed is left to make again
