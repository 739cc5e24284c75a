"""The background steps: submit, poll, save; each idempotent, each fault handled."""

from __future__ import annotations

from datetime import timedelta

import av
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from avatarstudio.accounts.models import Team
from avatarstudio.kling.client import KlingClient
from avatarstudio.library.models import Clip
from avatarstudio.simulator.faults import Fault
from avatarstudio.studio.models import Generation, Status
from avatarstudio.studio.pipeline import poll_plan, steps
from avatarstudio.studio.pipeline.sweep import sweep_generations
from tests.kling.helpers import wait_until_final
from tests.studio.helpers import drive, make_due, start_generation, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def generation(team, owner, provider):
    return start_generation(team, owner)


def test_a_generation_goes_from_queued_to_a_clip_in_the_library(generation, provider):
    outcomes = drive(generation)
    assert outcomes[0] == "submitted"
    assert outcomes[-1] == "ready"
    assert generation.status == Status.READY
    assert generation.provider_task_id
    assert generation.finished_at is not None
    clip = Clip.objects.get(generation=generation)
    assert clip.team == generation.team
    assert clip.title == "Smile and talk"
    assert clip.duration == pytest.approx(2.5, abs=0.2)
    assert clip.mode == "std"
    assert clip.created_by == generation.created_by
    assert clip.size_bytes == default_storage.size(clip.video.name)
    with default_storage.open(clip.video.name) as handle, av.open(handle) as video:
        assert video.streams.video[0].codec_context.name == "h264"
    assert default_storage.exists(clip.poster.name)
    assert provider.stats["tasks_created"] == 1


def test_the_create_call_carries_our_id_and_a_callback_when_we_are_public(
    generation, provider, settings
):
    settings.PUBLIC_BASE_URL = "https://studio.example"
    request = steps.build_request(generation)
    assert request.external_task_id == str(generation.pk)
    assert (
        request.callback_url == f"https://studio.example/hooks/kling/{generation.callback_token}/"
    )
    assert request.sound_file and not request.audio_id
    assert request.prompt == "Smile and talk"


def test_without_a_prompt_a_sensible_default_is_sent(team, owner, provider, settings):
    generation = start_generation(team, owner, prompt="")
    assert steps.build_request(generation).prompt == settings.KLING_DEFAULT_PROMPT


def test_inputs_can_go_as_signed_urls_instead_of_base64(generation, settings, client):
    settings.KLING_INPUTS_AS_URLS = True
    settings.PUBLIC_BASE_URL = "https://studio.example"
    url = steps.build_request(generation).image
    assert url.startswith("https://studio.example/inputs/")
    response = client.get(url.removeprefix("https://studio.example"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == generation.photo.open("rb").read()
    assert client.get("/inputs/forged-token/").status_code == 404


def test_a_generation_deleted_while_its_step_runs_is_not_created_again(
    generation, provider, monkeypatch
):
    real = KlingClient.create_avatar_task

    def create_then_delete(client, request):
        task = real(client, request)
        Generation.objects.filter(pk=generation.pk).delete()  # its clip deleted for good, say
        return task

    monkeypatch.setattr(KlingClient, "create_avatar_task", create_then_delete)
    make_due(generation)
    assert steps.advance(str(generation.pk)) == "submitted"
    assert not Generation.objects.filter(pk=generation.pk).exists()


def test_a_step_that_is_not_due_does_nothing(generation, provider):
    Generation.objects.filter(pk=generation.pk).update(
        next_step_at=timezone.now() + timedelta(minutes=5)
    )
    assert steps.advance(str(generation.pk)) == "not due"
    assert provider.stats["create_calls"] == 0


def test_a_step_held_by_another_worker_is_not_run_twice(generation, provider):
    make_due(generation)
    Generation.objects.filter(pk=generation.pk).update(
        lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert steps.advance(str(generation.pk)) == "not due"
    assert provider.stats["create_calls"] == 0


def test_a_late_wake_up_for_a_step_already_run_does_nothing(generation, provider):
    pk = str(generation.pk)
    first_due = generation.next_step_at
    assert steps.advance(pk, due_at=first_due) == "submitted"
    generation.refresh_from_db()
    make_due(generation)  # the poll is due now; a second wake-up for the submit arrives late
    assert steps.advance(pk, due_at=first_due) == "not due"
    assert provider.stats["create_calls"] == 1
    generation.refresh_from_db()
    assert steps.advance(pk, due_at=generation.next_step_at) in ("polled", "ready")


def test_running_each_step_twice_makes_one_task_and_one_clip(generation, provider):
    pk = str(generation.pk)
    step(generation)
    assert steps.advance(pk) == "not due"  # the duplicate wake-up arrives before the poll is due
    drive(generation)
    assert generation.status == Status.READY
    make_due(generation)
    assert steps.advance(pk) == "not due"  # a finished job is never claimed again
    generation.status = Status.SAVING
    generation.save()
    assert step(generation) == "ready"  # a save run again finds its clip and stops
    assert Clip.objects.filter(generation=generation).count() == 1
    assert provider.stats["tasks_created"] == 1


def test_a_create_whose_answer_was_lost_is_found_again_not_sent_twice(
    generation, provider, sim_client
):
    # The worker sent the create call and died before saving the answer.
    from tests.kling.helpers import avatar_request

    sim_client.create_avatar_task(avatar_request(external_task_id=str(generation.pk)))
    Generation.objects.filter(pk=generation.pk).update(create_sent_at=timezone.now())
    generation.refresh_from_db()
    assert step(generation) == "submitted"
    assert generation.provider_task_id
    assert provider.stats["tasks_created"] == 1
    assert provider.stats["create_calls"] == 1


def test_a_create_sent_but_never_received_is_sent_once_more(generation, provider):
    Generation.objects.filter(pk=generation.pk).update(create_sent_at=timezone.now())
    generation.refresh_from_db()
    assert step(generation) == "submitted"
    assert provider.stats["tasks_created"] == 1


@pytest.mark.parametrize(
    "status", [Status.QUEUED, Status.SUBMITTED, Status.PROCESSING, Status.SAVING]
)
def test_a_worker_killed_in_any_step_is_recovered_by_the_sweep(
    generation, provider, sim_client, status, django_capture_on_commit_callbacks
):
    if status != Status.QUEUED:
        step(generation)  # now submitted with a provider task
        url = wait_until_final(sim_client, generation.provider_task_id).videos[0].url
        Generation.objects.filter(pk=generation.pk).update(status=status, result_url=url)
    # The worker claimed the row and died: the lease ran out, the wake-up was lost.
    Generation.objects.filter(pk=generation.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1),
        next_step_at=timezone.now() - timedelta(minutes=5),
    )
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_generations() == 1
    assert DBTaskResult.objects.filter(args_kwargs__args__0=str(generation.pk)).count() == 1
    drive(generation)
    assert generation.status == Status.READY
    assert Clip.objects.filter(generation=generation).count() == 1
    assert provider.stats["tasks_created"] == 1


def test_the_sweep_leaves_rows_that_are_on_time_or_held(generation, provider):
    Generation.objects.filter(pk=generation.pk).update(
        next_step_at=timezone.now() + timedelta(seconds=30)
    )
    assert sweep_generations() == 0
    Generation.objects.filter(pk=generation.pk).update(
        next_step_at=timezone.now() - timedelta(minutes=5),
        lease_until=timezone.now() + timedelta(minutes=1),
    )
    assert sweep_generations() == 0


@pytest.mark.parametrize(
    "fault",
    [Fault("rate_limit"), Fault("server_error", code=5001), Fault("garbage")],
    ids=lambda f: f.kind,
)
def test_a_passing_provider_fault_is_retried_with_backoff(generation, provider, fault):
    provider.faults.add(fault)
    before = timezone.now()
    assert step(generation) == "retry"
    assert generation.status == Status.QUEUED
    assert generation.retries == 1
    assert generation.next_step_at >= before + timedelta(seconds=1)
    assert drive(generation)[-1] == "ready"
    assert provider.stats["tasks_created"] == 1


def test_kling_saying_1303_means_wait_your_turn_and_is_not_a_retry(generation, provider):
    provider.faults.add(Fault("concurrency"))
    assert step(generation) == "waiting"
    assert generation.status == Status.QUEUED
    assert generation.waiting_turn
    assert generation.retries == 0
    assert generation.stage == "Waiting for its turn at Kling"
    assert drive(generation)[-1] == "ready"
    assert not generation.waiting_turn
    assert provider.stats["tasks_created"] == 1


def test_no_more_tasks_than_the_key_allows_run_at_once(team, owner, provider, settings):
    settings.KLING_MAX_CONCURRENT = 2
    first, second, third = (start_generation(team, owner) for _ in range(3))
    assert [step(first), step(second), step(third)] == ["submitted", "submitted", "waiting"]
    assert provider.stats["tasks_created"] == 2
    assert drive(first)[-1] == "ready"
    assert step(third) == "submitted"
    assert provider.stats["tasks_created"] == 3


def test_teams_without_their_own_key_share_the_servers_limit(
    team, owner, outsider, provider, settings
):
    settings.KLING_MAX_CONCURRENT = 1
    other_team = Team.objects.create_with_owner("Other", outsider)
    mine = start_generation(team, owner)
    theirs = start_generation(other_team, outsider)
    assert step(mine) == "submitted"
    assert step(theirs) == "waiting"


def test_retries_stop_at_the_limit_with_a_clear_failure(generation, provider, settings):
    settings.GENERATION_RETRY_LIMIT = 2
    provider.faults.add(Fault("server_error", times=-1))
    outcomes = [step(generation) for _ in range(3)]
    assert outcomes == ["retry", "retry", "failed"]
    assert generation.status == Status.FAILED
    assert generation.retry_helps
    assert "kept failing" in generation.failure_message


@pytest.mark.parametrize(
    ("fault", "fixable_by"),
    [
        (Fault("auth"), "admin"),
        (Fault("account"), "admin"),
        (Fault("comet_error", status=400, code=1301), "user"),
    ],
    ids=lambda value: getattr(value, "kind", value),
)
def test_a_provider_refusal_fails_at_once_and_says_who_can_fix_it(
    generation, provider, fault, fixable_by
):
    provider.faults.add(fault)
    assert step(generation) == "failed"
    assert generation.failure_fixable_by == fixable_by
    assert not generation.retry_helps
    assert generation.failure_message


def test_a_moderation_refusal_shows_the_providers_reason(generation, provider):
    provider.faults.add(Fault("moderation", reason="Failure to pass the risk control system"))
    drive(generation)
    assert generation.status == Status.FAILED
    assert "Failure to pass the risk control system" in generation.failure_message
    assert generation.failure_fixable_by == "user"


def test_a_job_past_the_overall_limit_fails_as_timed_out(generation, provider, settings):
    step(generation)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Generation.objects.filter(pk=generation.pk).update(
        created=two_hours_ago, submitted_at=two_hours_ago
    )
    provider.config.processing_seconds = 3600
    generation.refresh_from_db()
    assert step(generation) == "failed"
    assert generation.failure_code == "timeout"
    assert generation.retry_helps


def test_a_broken_download_is_retried_with_a_fresh_answer(generation, provider):
    provider.faults.add(Fault("broken_download"))
    outcomes = drive(generation)
    assert "retry" in outcomes
    assert outcomes[-1] == "ready"
    assert provider.stats["downloads"] == 2


def test_before_anything_is_learned_the_next_poll_backs_off_along_the_schedule(
    generation, provider, settings
):
    settings.GENERATION_POLL_SCHEDULE = [3, 5, 10]
    provider.config.processing_seconds = 3600
    assert poll_plan.fixed_delay(0) == 3
    assert poll_plan.fixed_delay(1) == 5
    assert poll_plan.fixed_delay(7) == 10
    step(generation)
    before = timezone.now()
    step(generation)
    assert generation.polls == 1
    assert before + timedelta(seconds=4) < generation.next_step_at < before + timedelta(seconds=7)


def test_the_first_wake_up_is_enqueued_once_the_row_is_committed(
    team, owner, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        generation = start_generation(team, owner)
    assert len(callbacks) == 2  # the wake-up, and the status card's digest (cards)
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [str(generation.pk), generation.next_step_at.isoformat()]
    assert task.task_path == "avatarstudio.studio.pipeline.tasks.advance_generation"
