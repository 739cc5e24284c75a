"""A five-minute video from a real five-minute voice, through the simulator, and its join.

Run: .venv/bin/python bench/long_video.py [--minutes 5]
The voice is real synthetic speech (espeak-ng, from its wheel): numbered sentences of a
lesson, about six seconds each. It goes the whole way a person's does: ``start_generation``
stores it and reserves the credit, then every due step runs in this process (the split, each
part's submit, poll and save against the in-process simulator, which renders each part from
its slice of the voice, then the join) until the video is ready. The figures:

- join: the seconds ``media.join.join_parts`` takes for the parts, beside, in the same run,
  a plain stream copy of the same parts into one MP4 (every packet of both streams copied
  and re-stamped end to end, the least a join can do);
- drift: at the end of the clip, how far its picture and its voice are from the input
  voice's length (the larger of the two).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from _django import setup

parser = argparse.ArgumentParser()
parser.add_argument("--minutes", type=float, default=5.0)
arguments = parser.parse_args()
folder = setup()

import av
import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from avatarstudio.accounts.models import Team
from avatarstudio.core import paths
from avatarstudio.kling import client
from avatarstudio.media import join as joining
from avatarstudio.media.video import video_demuxer
from avatarstudio.media.voice_repair import decode_voice, encode_m4a
from avatarstudio.studio.models import ACTIVE, Generation, Status
from avatarstudio.studio.pipeline import parts, steps
from tests.media_factory import lesson_text, photo_bytes, spoken
from tests.provider import SIM_URL, make_simulator
from tests.studio.helpers import start_with_voice

JOIN_GOAL_RATIO = 2.0
DRIFT_GOAL_MS = 100.0

settings.COMETAPI_BASE_URL, settings.COMETAPI_KEY = SIM_URL, "bench-key"
simulator = make_simulator(folder, submitted_seconds=0, processing_seconds=0)
client.TRANSPORT = httpx.WSGITransport(app=simulator)

sentences = round(arguments.minutes * 60 / 5.8)  # espeak says one in about 5.8 s
samples, rate = spoken(lesson_text(sentences))
voice = encode_m4a(samples, rate, 128_000)
seconds = decode_voice(io.BytesIO(voice)).seconds
owner = get_user_model().objects.create_user("bench@example.com", "bench@example.com", "pw")
team = Team.objects.create_with_owner("Bench", owner)
video = start_with_voice(
    team, owner, voice, audio_seconds=seconds, prompt="Teach", photo=photo_bytes(720, 960)
)

# Keep the parts' videos for the side-by-side join: copy each as it is saved.
kept = Path(tempfile.mkdtemp(dir=folder))
join_seconds: list[float] = []
real_join = joining.join_parts


def timed_join(videos, starts, voice_path, destination):
    for path in videos:
        (kept / path.name).write_bytes(path.read_bytes())
    (kept / "voice.m4a").write_bytes(Path(voice_path).read_bytes())
    started = time.perf_counter()
    made = real_join(videos, starts, voice_path, destination)
    join_seconds.append(time.perf_counter() - started)
    return made


parts.join_parts = timed_join
started = time.perf_counter()
while True:
    rows = [video, *video.parts.filter(status__in=ACTIVE)]
    for row in rows:
        Generation.objects.filter(pk=row.pk).update(next_step_at=row.created)
        steps.advance(str(row.pk))
    video.refresh_from_db()
    if not video.is_active:
        break
made_seconds = time.perf_counter() - started
assert video.status == Status.READY, video.failure_message


def plain_stream_copy(videos: list[Path], destination: Path) -> float:
    """Every packet of every part, both streams, copied end to end: the least a join does."""
    begun = time.perf_counter()
    with av.open(str(destination), "w", format="mp4") as out:
        with av.open(str(videos[0]), format=video_demuxer(videos[0])) as first:
            streams = {s.type: out.add_stream_from_template(s) for s in first.streams}
        offsets = {"video": 0.0, "audio": 0.0}
        for path in videos:
            with av.open(str(path), format=video_demuxer(path)) as part:
                ends, shifts = dict(offsets), {}
                for packet in part.demux():
                    if packet.dts is None:
                        continue
                    kind = packet.stream.type
                    base = packet.time_base
                    if kind not in shifts:  # this stream's first packet starts at the offset
                        shifts[kind] = round(offsets[kind] / base) - packet.dts
                    shift = shifts[kind]
                    packet.pts += shift
                    packet.dts += shift
                    ends[kind] = max(ends[kind], float((packet.pts + packet.duration) * base))
                    packet.stream = streams[kind]
                    out.mux(packet)
                offsets = ends
    return time.perf_counter() - begun


videos = sorted(kept.glob("part-*.mp4"), key=lambda p: int(p.stem.split("-")[1]))
copy_seconds = min(plain_stream_copy(videos, kept / "copy.mp4") for _ in range(3))
current = list(video.parts.current_parts())
again = []
for _ in range(3):
    begun = time.perf_counter()
    joined = real_join(videos, [p.part_start for p in current], kept / "voice.m4a", kept / "j.mp4")
    again.append(time.perf_counter() - begun)
join_time = min(again)
drift_ms = 1000 * max(abs(joined.video_seconds - seconds), abs(joined.audio_seconds - seconds))
clip = video.clip
left = [
    name
    for part in current
    for name in (part.audio.name, paths.part_name(team.pk, video.pk, part.part_number, "mp4"))
    if default_storage.exists(name)
]

print(f"voice: {seconds:.1f} s of espeak-ng speech; parts of at most 60 s")
print(f"made through the simulator in {made_seconds:.1f} s; clip {clip.duration:.3f} s")
print(f"parts' files left after the clip was stored: {len(left)}")
print(f"join (best of 3): {join_time:.3f} s, copied: {joined.copied}")
print(f"plain stream copy of the same parts (best of 3): {copy_seconds:.3f} s")
print(
    f"long video: join {join_time:.2f} s for {len(current)} parts, drift {drift_ms:.0f} ms at "
    f"the end (goal <= {DRIFT_GOAL_MS:.0f} ms; join {join_time / copy_seconds:.1f}x a plain "
    f"stream copy, goal <= {JOIN_GOAL_RATIO:g}x)"
)
simulator.close()
