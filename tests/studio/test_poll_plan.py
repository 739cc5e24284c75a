"""Polls are placed around when Kling is expected to finish, learned from finished tasks."""

from __future__ import annotations

import pytest

from avatarstudio.studio.models import RenderTiming, Status
from avatarstudio.studio.pipeline import poll_plan
from avatarstudio.studio.pipeline.poll_plan import Line, next_delay
from tests.studio.helpers import drive, start_generation, step

pytestmark = pytest.mark.django_db


def test_nothing_is_estimated_from_fewer_than_three_finished_tasks():
    line = Line()
    line.add(30, 60)
    line.add(40, 80)
    assert line.estimate(30) is None


def test_a_time_in_proportion_to_the_voice_is_learned():
    line = Line()
    for seconds in (30, 30, 30, 30):
        line.add(seconds, 2 * seconds)
    expected, spread = line.estimate(45)
    assert expected == pytest.approx(90)
    assert spread == pytest.approx(90 * poll_plan.SPREAD_SHARE)


def test_a_fixed_part_and_a_part_per_second_are_told_apart():
    line = Line()
    for seconds in (10, 20, 30, 40, 50, 60):
        line.add(seconds, 12 + 1.5 * seconds)
    expected, _ = line.estimate(100)
    assert expected == pytest.approx(162, abs=0.5)


def test_older_tasks_count_for_less_so_a_change_is_followed():
    line = Line()
    for _ in range(30):
        line.add(30, 60)
    for _ in range(30):
        line.add(30, 120)  # Kling got slower
    expected, _ = line.estimate(30)
    assert expected > 100


def test_polls_are_sparse_early_dense_near_the_finish_and_back_off_when_late(settings):
    settings.GENERATION_POLL_SCHEDULE = [3, 5, 10, 20, 30]
    estimate = (100.0, 5.0)  # dense from 92.5 s to 110 s
    assert next_delay(0, 0, estimate) == poll_plan.LONGEST_WAIT
    assert next_delay(60, 1, estimate) == pytest.approx(32.5)
    assert next_delay(93, 2, estimate) <= poll_plan.DENSE_STEP
    assert next_delay(200, 9, estimate) == 30  # very late: the schedule's slowest


def test_without_an_estimate_the_fixed_schedule_is_used(settings):
    settings.GENERATION_POLL_SCHEDULE = [3, 5, 10]
    assert [next_delay(0, polls, None) for polls in range(4)] == [3, 5, 10, 10]


def test_finished_tasks_teach_the_plan_for_their_key_and_for_all_keys(team, owner, provider):
    provider.config.processing_seconds = 0.2
    made = []
    for _ in range(3):
        made.append(start_generation(team, owner, seconds=2.5))
        assert drive(made[-1])[-1] == "ready"
    for scope in ("server", "all"):
        timing = RenderTiming.objects.get(scope=scope, mode="std")
        assert timing.samples == 3
    # What was learned is Kling's own time for each task, however long this machine took.
    assert all(generation.provider_seconds > 0 for generation in made)
    line = Line()
    for generation in made:
        line.add(generation.audio_seconds, generation.provider_seconds)
    generation = start_generation(team, owner, seconds=2.5)
    assert poll_plan.estimate_for(generation) == pytest.approx(line.estimate(2.5))
    assert step(generation) == "submitted"
    assert generation.status in (Status.SUBMITTED, Status.PROCESSING)
    assert generation.provider_seconds is None  # set only when it succeeds
