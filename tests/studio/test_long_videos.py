"""A voice longer than the provider takes is made in parts, each its own provider task, and
joined into one clip; every guarantee of a plain video holds for each part."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.storage import default_storage

from avatarstudio.core import paths
from avatarstudio.library.models import Clip
from avatarstudio.media.voice_repair import decode_voice, encode_m4a
from avatarstudio.simulator.faults import Fault
from avatarstudio.studio.models import ACTIVE, Charge, Generation, LedgerEntry, Status
from avatarstudio.studio.pipeline import parts, steps
from avatarstudio.studio.quotas import QuotaExceeded
from tests.helpers import client_in
from tests.media_factory import lesson_text, spoken
from tests.studio.helpers import make_due, start_with_voice
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db

MAX_SECONDS = 10.0  # the provider's maximum in these tests: a 25 s lesson is 3 or 4 parts


@pytest.fixture(autouse=True)
def short_provider_maximum(settings):
    settings.KLING_LIMITS = {"audio_max_seconds": MAX_SECONDS}


@pytest.fixture(scope="module")
def lesson_voice() -> bytes:
    samples, rate = spoken(lesson_text(5))
    return encode_m4a(samples, rate, 128_000)


@pytest.fixture
def video(team, owner, provider, lesson_voice) -> Generation:
    return start_with_voice(team, owner, lesson_voice, prompt="Teach the lesson")


def run_everything(video: Generation) -> list[tuple[int | None, str]]:
    """Run every due step of the video and its parts until the video ends; what each did."""
    outcomes: list[tuple[int | None, str]] = []

    def ended() -> bool:
        for row in [video, *video.parts.filter(status__in=ACTIVE)]:
            make_due(row)
            try:
                outcomes.append((row.part_number, steps.advance(str(row.pk))))
            except steps.StepCrashed:
                outcomes.append((row.part_number, "crashed"))
        video.refresh_from_db()
        return not video.is_active

    def progress():
        return sorted(video.parts.values_list("part_number", "status", "provider_status"))

    wait_for(ended, what=f"long video {video.pk} to end", progress=progress)
    return outcomes


def test_a_voice_over_the_maximum_is_made_in_parts_and_joined_into_one_clip(video, provider):
    assert video.is_long
    planned = video.parts_planned
    run_everything(video)
    assert video.status == Status.READY
    made = list(video.parts.current_parts())
    assert [p.part_number for p in made] == list(range(1, planned + 1))
    assert provider.stats["tasks_created"] == planned
    assert len({p.provider_task_id for p in made}) == planned
    assert all(p.audio_seconds <= MAX_SECONDS for p in made)
    clip = Clip.objects.get(generation=video)
    with default_storage.open(clip.video.name) as handle:
        local = io.BytesIO(handle.read())
    assert abs(clip.duration - video.audio_seconds) <= 0.1
    heard = decode_voice(local).seconds
    assert abs(heard - video.audio_seconds) <= 0.1  # the voice in the clip is the whole voice
    assert not Clip.objects.filter(generation__in=made).exists()  # one clip, not one a part


def test_the_parts_files_are_removed_once_the_clip_is_stored(video, provider):
    run_everything(video)
    for part in video.parts.all():
        assert not default_storage.exists(part.audio.name)
        name = paths.part_name(video.team_id, video.pk, part.part_number, "mp4")
        assert not default_storage.exists(name)
    assert default_storage.exists(video.photo.name)  # the video's own inputs stay with it


def test_one_reservation_covers_every_part_and_is_settled_once(video, provider):
    entry = LedgerEntry.objects.get(generation=video)
    assert entry.reserved_seconds == pytest.approx(video.audio_seconds)
    run_everything(video)
    entry.refresh_from_db()
    assert entry.charge == Charge.SETTLED
    assert entry.seconds == pytest.approx(video.audio_seconds, abs=0.1)
    assert entry.provider_units is not None
    assert LedgerEntry.objects.count() == 1


def test_a_split_run_twice_makes_its_parts_once(video, provider):
    parts._make_parts(video)  # the first run crashed after creating the parts, before waking them
    planned = video.parts.count()
    run_everything(video)
    assert video.parts.count() == planned
    assert provider.stats["tasks_created"] == planned


def test_a_crash_between_parts_loses_nothing_and_sends_nothing_twice(video, provider, monkeypatch):
    real = steps.adopt
    crashed = []

    def crash_once(generation, task):
        if generation.part_number == 2 and not crashed:
            crashed.append(generation.pk)
            raise RuntimeError("the worker died right after Kling took part 2")
        return real(generation, task)

    monkeypatch.setattr(steps, "adopt", crash_once)
    outcomes = run_everything(video)
    assert (2, "crashed") in outcomes
    assert video.status == Status.READY
    assert provider.stats["tasks_created"] == video.parts_planned  # part 2 was found, not resent


def test_a_failed_middle_part_is_tried_again_alone(video, provider):
    steps.advance(str(video.pk))  # the split
    middle = video.parts.get(part_number=2)
    provider.faults.add(Fault("task_failed"))  # Kling breaks the middle part's render
    make_due(middle)
    steps.advance(str(middle.pk))
    run_everything(video)
    assert video.status == Status.READY
    tries = list(video.parts.filter(part_number=2).order_by("created"))
    assert len(tries) == 2
    assert tries[0].replaced and tries[0].status == Status.FAILED
    assert tries[1].retry_of_id == tries[0].pk
    others = video.parts.exclude(part_number=2)
    assert others.count() == video.parts_planned - 1  # the other parts were made once
    assert provider.stats["tasks_created"] == video.parts_planned + 1


def test_a_part_refused_for_good_fails_the_video_with_its_reason(video, provider, settings):
    settings.KLING_MAX_CONCURRENT = 1
    steps.advance(str(video.pk))
    first = video.parts.get(part_number=1)
    provider.faults.add(Fault("moderation"))
    make_due(first)
    steps.advance(str(first.pk))
    run_everything(video)
    assert video.status == Status.FAILED
    assert video.failure_message.startswith(f"Part 1 of {video.parts_planned} could not be made")
    not_sent = video.parts.filter(failure_code="not_sent")
    assert not_sent.exists()  # the parts still waiting were not sent: nothing more is spent
    assert provider.stats["tasks_created"] < video.parts_planned + 1
    assert video.failure_fixable_by == "user"
    assert not video.retry_allowed


def test_parts_wait_their_turn_within_the_keys_limit(video, provider, settings, monkeypatch):
    settings.KLING_MAX_CONCURRENT = 1
    most_at_once = 0

    def watch():
        nonlocal most_at_once
        running = Generation.objects.at_provider().filter(parent=video).count()
        most_at_once = max(most_at_once, running)

    real = steps.submit

    def watched(generation):
        watch()
        return real(generation)

    monkeypatch.setitem(steps.STEPS, Status.QUEUED, watched)
    outcomes = run_everything(video)
    assert video.status == Status.READY
    assert most_at_once <= 1
    assert any(outcome == "waiting" for _, outcome in outcomes)


def test_the_status_card_counts_the_parts_ready(video, provider, owner):
    client = client_in(video.team, owner)
    steps.advance(str(video.pk))  # the split
    video.refresh_from_db()
    page = client.get(video.get_absolute_url()).content.decode()
    assert f"0 of {video.parts_planned} parts ready" in page
    run_everything(video)
    page = client.get(video.get_absolute_url()).content.decode()
    assert "Your video is ready" in page


def test_a_long_videos_parts_are_not_shown_as_videos_of_their_own(video, provider, owner):
    client = client_in(video.team, owner)
    steps.advance(str(video.pk))
    part = video.parts.first()
    assert client.get(part.get_absolute_url()).status_code == 404
    assert Generation.objects.for_team(video.team).videos().count() == 1


def test_the_card_shows_each_part_on_demand(video, provider, owner):
    client = client_in(video.team, owner)
    steps.advance(str(video.pk))
    page = client.get(video.get_absolute_url()).content.decode()
    assert "Show each part" in page and "Part 1, from 0 s" not in page
    page = client.get(video.get_absolute_url() + "?parts=1").content.decode()
    assert "Part 1, from 0 s" in page
    assert f"Part {video.parts_planned}, from" in page
    assert "?parts=1" in page  # the card keeps showing them while it polls


def test_the_card_says_a_failed_part_is_being_made_again(video, provider, owner):
    client = client_in(video.team, owner)
    steps.advance(str(video.pk))
    middle = video.parts.get(part_number=2)
    provider.faults.add(Fault("task_failed"))
    for _ in range(3):  # submit, then the poll that finds it failed, then the video looks
        for row in (middle, video):
            make_due(row)
            steps.advance(str(row.pk))
    page = client.get(video.get_absolute_url()).content.decode()
    assert "Part 2 failed at Kling and is being made again" in page


def test_a_failed_long_video_makes_only_its_missing_parts_again(video, provider, owner):
    client = client_in(video.team, owner)
    steps.advance(str(video.pk))
    for number in range(2, video.parts_planned + 1):
        run_part_until(video, number, Status.READY)
    provider.faults.add(Fault("task_failed", times=PART_TRIES))  # part 1 keeps failing
    for _ in range(PART_TRIES):
        run_part_until(video, 1, Status.FAILED)
        make_due(video)
        steps.advance(str(video.pk))
    video.refresh_from_db()
    assert video.status == Status.FAILED
    assert video.retry_allowed
    assert "Make the missing parts again" in client.get(video.get_absolute_url()).content.decode()
    entry = LedgerEntry.objects.get(generation=video)
    made = sum(p.audio_seconds for p in video.parts.current_parts().filter(status=Status.READY))
    assert entry.seconds == pytest.approx(made)  # only the parts Kling made are charged
    sent_before = provider.stats["tasks_created"]
    response = client.post(f"/generations/{video.pk}/retry/", follow=True)
    assert "Making the missing parts again" in response.content.decode()
    run_everything(video)
    assert video.status == Status.READY
    assert provider.stats["tasks_created"] == sent_before + 1  # part 1 alone
    entry.refresh_from_db()
    assert entry.charge == Charge.SETTLED
    assert entry.seconds == pytest.approx(video.audio_seconds, abs=0.1)


PART_TRIES = parts.PART_AUTO_RETRIES + 1


def run_part_until(video: Generation, number: int, status: str) -> None:
    """Run part ``number``'s newest try until it reaches ``status``."""
    part = video.parts.filter(part_number=number).order_by("-created").first()

    def reached() -> bool:
        make_due(part)
        steps.advance(str(part.pk))
        part.refresh_from_db()
        return part.status == status

    wait_for(reached, what=f"part {number} to be {status}", progress=lambda: part.status)


def test_a_long_video_over_the_teams_limit_is_refused_whole_before_anything_is_sent(
    team, owner, provider, lesson_voice
):
    team.monthly_limit_seconds = 20  # under the lesson's 25 s, over each of its parts
    team.save()
    with pytest.raises(QuotaExceeded):
        start_with_voice(team, owner, lesson_voice)
    assert not Generation.objects.exists()
    assert provider.stats["create_calls"] == 0


def test_a_timed_out_long_video_made_again_has_its_whole_time_again(video, provider, owner):
    steps.advance(str(video.pk))
    long_ago = video.created - timedelta(days=1)
    Generation.objects.filter(pk=video.pk).update(submitted_at=long_ago, created=long_ago)
    make_due(video)
    steps.advance(str(video.pk))
    video.refresh_from_db()
    assert video.status == Status.FAILED and video.failure_code == "timeout"
    assert video.parts.filter(failure_code="not_sent").count() == video.parts_planned
    client_in(video.team, owner).post(f"/generations/{video.pk}/retry/")
    run_everything(video)
    assert video.status == Status.READY


def test_a_part_kling_may_have_charged_is_not_made_again_without_asking(video, provider):
    steps.advance(str(video.pk))
    part = video.parts.get(part_number=1)
    Generation.objects.filter(pk=part.pk).update(
        status=Status.FAILED,
        failure_code="download_failed",
        retry_helps=True,
        result_url="https://kling.example/video.mp4",
        create_sent_at=part.created,
        next_step_at=None,
    )
    make_due(video)
    steps.advance(str(video.pk))
    video.refresh_from_db()
    assert video.status == Status.FAILED
    assert video.retry_allowed  # the person may choose to pay for it again
    assert not video.parts.filter(replaced=True).exists()


def test_a_part_whose_create_may_have_gone_out_stops_after_its_video_failed(video, provider):
    steps.advance(str(video.pk))
    part = video.parts.get(part_number=1)
    Generation.objects.filter(pk=part.pk).update(create_sent_at=part.created, waiting_turn=True)
    parts.fail_video(video, None)
    make_due(part)
    assert steps.advance(str(part.pk)) == "failed"
    part.refresh_from_db()
    assert part.failure_code == "not_sent"
    assert provider.stats["tasks_created"] == 0  # looked up at Kling, nothing sent


def test_a_voice_that_fits_one_task_once_decoded_is_made_as_a_plain_video(
    team, owner, provider, lesson_voice, settings
):
    seconds = decode_voice(io.BytesIO(lesson_voice)).seconds
    settings.KLING_LIMITS = {"audio_max_seconds": seconds}  # the voice fits exactly
    video = start_with_voice(
        team,
        owner,
        lesson_voice,
        audio_seconds=seconds + 0.04,  # as a repair measured it
    )
    video.parts_planned = 2  # as if the estimate had said a long video
    video.save()
    assert steps.advance(str(video.pk)) == "fits one task"
    run_everything(video)
    assert video.status == Status.READY
    assert provider.stats["tasks_created"] == 1


def test_a_join_that_fails_is_tried_again_by_itself(video, provider, owner, monkeypatch):
    real = parts.join_parts
    calls = []

    def broken_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a part's stream was not what we expected")
        return real(*args)

    monkeypatch.setattr(parts, "join_parts", broken_once)
    run_everything(video)
    assert video.status == Status.FAILED and video.retry_allowed
    sent = provider.stats["tasks_created"]
    page = client_in(video.team, owner).get(video.get_absolute_url()).content.decode()
    assert "Try again" in page and "Make the missing parts again" not in page
    client_in(video.team, owner).post(f"/generations/{video.pk}/retry/")
    run_everything(video)
    assert video.status == Status.READY
    assert provider.stats["tasks_created"] == sent  # only the join was done again


def test_a_part_that_changes_renders_the_long_videos_card_again(
    video, provider, owner, django_capture_on_commit_callbacks
):
    """The card of a long video shows its parts: a part's change is the video's change."""
    client = client_in(video.team, owner)
    with django_capture_on_commit_callbacks(execute=True):
        steps.advance(str(video.pk))  # the split
    card = client.get(video.get_absolute_url(), headers={"HX-Request": "true"})
    address = unescape(re.search(r'hx-get="([^"]+seen=[^"]+)"', card.text).group(1))
    assert client.get(address, headers={"HX-Request": "true"}).status_code == 204
    part = video.parts.order_by("part_number").first()
    with django_capture_on_commit_callbacks(execute=True):
        part.refresh_from_db()
        part.status = Status.FAILED
        part.failure_message = "Kling refused this part."
        part.save()
    again = client.get(address, headers={"HX-Request": "true"})
    assert again.status_code == 200
