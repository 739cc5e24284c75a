"""Three `manage.py worker` processes share three dozen generations on the simulator: every
one ends ready, no step of a generation ever runs in two places at once, and the provider gets
one task and the library one clip per generation.

The workers are real processes on the test database (SQLite or PostgreSQL, whichever the
suite runs on) and reach the simulator over HTTP, as workers on other machines would. The
same run with 200 generations, timed, is `bench/many_workers.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from avatarstudio.library.models import Clip
from avatarstudio.studio.models import Generation, Status
from tests.workers import first_failures, queue_generations, statuses, worker_fleet

WORKERS = 3
GENERATIONS = 36


@pytest.mark.django_db(transaction=True)
def test_three_workers_share_three_dozen_generations_and_never_run_a_step_twice_at_once(
    team, owner, tmp_path, settings
):
    with worker_fleet(WORKERS, tmp_path, settings.MEDIA_ROOT, GENERATIONS) as fleet:
        queue_generations(team, owner, GENERATIONS)
        fleet.wait_until_idle()

    assert statuses() == [Status.READY], first_failures()

    # One provider task per generation, each created once.
    assert fleet.simulator.stats["tasks_created"] == GENERATIONS
    external_ids = {task["external_task_id"] for task in fleet.simulator.store.tasks.values()}
    assert external_ids == {str(pk) for pk in Generation.objects.values_list("pk", flat=True)}
    assert set(Generation.objects.values_list("create_calls", flat=True)) == {1}

    # One clip per generation, and one video file each: no save step ran twice.
    assert Clip.objects.count() == GENERATIONS
    videos = list((Path(settings.MEDIA_ROOT) / "teams" / str(team.pk) / "clips").glob("*/*.mp4"))
    assert len(videos) == GENERATIONS

    # No step of a generation overlapped another of the same generation, in any process.
    intervals = fleet.step_intervals()
    assert len(intervals) == GENERATIONS
    assert fleet.overlapping_steps() == []
    # And the work was shared.
    pids = {pid for steps in intervals.values() for _, _, pid in steps}
    assert len(pids) == WORKERS
