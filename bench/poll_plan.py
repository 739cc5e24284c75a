"""How soon a finished part is noticed without a callback, and how many queries that takes:
the learned poll plan beside today's fixed schedule, on the same finished tasks.

Run: .venv/bin/python bench/poll_plan.py [--tasks 300] [--jitter 0.1]
The tasks are what the simulator makes when it is set as Kling behaves (its settings
``SIMULATOR_PROCESSING_SECONDS``, ``SIMULATOR_SECONDS_PER_AUDIO_SECOND`` and
``SIMULATOR_PROCESSING_JITTER``): parts of 20 to 58 s of voice in each mode, taking a fixed
time plus a time per second of voice, spread by the jitter. They are replayed in order, on a
clock of our own (nothing sleeps): each plan asks at the times it chooses, the learned one
learning from each task once it is noticed, as ``steps.poll`` does. A task's delay is from
when Kling finished it to the first query after; its queries are all the status queries it
took. Figures: the median delay and the mean queries per task, for both plans.
"""

from __future__ import annotations

import argparse
import random
import statistics

from _django import setup

parser = argparse.ArgumentParser()
parser.add_argument("--tasks", type=int, default=300)
parser.add_argument("--jitter", type=float, default=0.1)
arguments = parser.parse_args()
setup()

from django.conf import settings

from avatarstudio.studio.pipeline.poll_plan import Line, fixed_delay, next_delay

GOAL_DELAY, GOAL_QUERIES = 3.0, 10.0
SUBMITTED = 2.0  # seconds before Kling starts: the simulator's default
TIMES = {"std": (20.0, 2.0), "pro": (30.0, 3.5)}  # fixed seconds, seconds per second of voice

randomness = random.Random(15)
tasks = []
for _ in range(arguments.tasks):
    mode = randomness.choice(("std", "pro"))
    voice = randomness.uniform(20, 58)
    fixed, per_second = TIMES[mode]
    spread = 1 + arguments.jitter * randomness.uniform(-1, 1)
    tasks.append((mode, voice, SUBMITTED + (fixed + per_second * voice) * spread))


def replay(learned: bool) -> tuple[list[float], list[int]]:
    lines = {mode: Line() for mode in TIMES}
    delays, queries = [], []
    for mode, voice, finish in tasks:
        estimate = lines[mode].estimate(voice) if learned else None
        asked, polls = 0.0, 0
        asked += next_delay(0.0, 0, estimate) if learned else fixed_delay(0)
        while True:
            polls += 1
            if asked >= finish:
                break
            step = next_delay(asked, polls, estimate) if learned else fixed_delay(polls)
            asked += step
        delays.append(asked - finish)
        queries.append(polls)
        lines[mode].add(voice, finish)  # Kling's own time, from its timestamps
    return delays, queries


fixed_delays, fixed_queries = replay(learned=False)
plan_delays, plan_queries = replay(learned=True)
median_fixed, median_plan = statistics.median(fixed_delays), statistics.median(plan_delays)
mean_fixed, mean_plan = statistics.mean(fixed_queries), statistics.mean(plan_queries)
print(
    f"{arguments.tasks} tasks, parts of 20 to 58 s; Kling's time: std 20 s + 2 s a second of "
    f"voice, pro 30 s + 3.5 s, spread +/-{arguments.jitter:.0%}"
)
print(f"fixed schedule {settings.GENERATION_POLL_SCHEDULE}: ", end="")
print(f"notice delay median {median_fixed:.1f} s, {mean_fixed:.1f} queries a task")
print(f"learned plan: notice delay median {median_plan:.1f} s, {mean_plan:.1f} queries a task")
print(f"learned plan's 90th percentile delay: {statistics.quantiles(plan_delays, n=10)[-1]:.1f} s")
print(
    f"poll plan: notice delay median {median_plan:.1f} s, {mean_plan:.1f} queries per part "
    f"(goal <= {GOAL_DELAY:g} s, <= {GOAL_QUERIES:g}; fixed schedule {median_fixed:.1f} s, "
    f"{mean_fixed:.1f} queries)"
)
