"""A long video's parts join into one clip whose voice is continuous and as long as the input."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from avatarstudio.media.join import join_parts
from avatarstudio.media.split import parts_needed, split_voice
from avatarstudio.media.video import inspect_video
from avatarstudio.media.voice_repair import decode_voice, encode_m4a
from avatarstudio.simulator.render import render_clip
from tests.media_factory import lesson_text, photo_bytes, sound_bytes, spoken


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 25-second lesson cut into parts of at most 10 s, each rendered as Kling would."""
    folder = tmp_path_factory.mktemp("join")
    samples, rate = spoken(lesson_text(5))
    voice = folder / "voice.m4a"
    voice.write_bytes(encode_m4a(samples, rate, 128_000))
    photo = folder / "photo.jpg"
    photo.write_bytes(photo_bytes(600, 800))
    parts, total = split_voice(io.BytesIO(voice.read_bytes()), max_seconds=10)
    videos = []
    for part in parts:
        sound = folder / f"part-{part.number}.m4a"
        sound.write_bytes(part.content)
        videos.append(folder / f"part-{part.number}.mp4")
        render_clip(photo, sound, videos[-1], "std")
    return folder, voice, parts, videos, total


def frame_times(path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(
            float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None
        )


def test_parts_of_one_encoding_are_copied_and_the_clip_is_as_long_as_the_voice(made):
    folder, voice, parts, videos, total = made
    joined = join_parts(videos, [p.start for p in parts], voice, folder / "joined.mp4")
    assert len(parts) == parts_needed(total, 10) > 2
    assert joined.copied
    info = inspect_video(folder / "joined.mp4")
    assert info.browser_playable
    assert abs(joined.audio_seconds - total) <= 0.1
    assert abs(joined.video_seconds - total) <= 0.1
    assert abs(info.duration - total) <= 0.1


def test_the_joined_voice_is_the_input_voice_with_no_gap_at_any_seam(made):
    folder, voice, parts, videos, _total = made
    join_parts(videos, [p.start for p in parts], voice, folder / "seamless.mp4")
    heard = decode_voice(open(folder / "seamless.mp4", "rb")).samples  # noqa: SIM115
    given = decode_voice(open(voice, "rb")).samples  # noqa: SIM115
    assert abs(len(heard) - len(given)) <= 2048  # within one AAC frame or two
    n = min(len(heard), len(given))
    assert np.max(np.abs(heard[:n] - given[:n])) < 1e-3  # the same sound, sample for sample


def test_each_part_begins_where_its_slice_of_the_voice_begins(made):
    folder, voice, parts, videos, _total = made
    join_parts(videos, [p.start for p in parts], voice, folder / "in-time.mp4")
    times = frame_times(folder / "in-time.mp4")
    gaps = np.diff(times)
    assert gaps.max() <= 1.5 / 24  # no frozen picture at a seam
    for part in parts[1:]:
        first = min(t for t in times if t >= part.start - 1e-6)
        assert first - part.start < 1 / 24


def test_parts_of_different_encodings_are_re_encoded_as_one_stream(made, tmp_path):
    folder, voice, parts, videos, total = made
    odd = tmp_path / "pro.mp4"
    sound = tmp_path / "part-2.m4a"
    sound.write_bytes(parts[1].content)
    render_clip(folder / "photo.jpg", sound, odd, "pro")  # 1080p at 48 fps
    mixed = [videos[0], odd, *videos[2:]]
    joined = join_parts(mixed, [p.start for p in parts], voice, tmp_path / "mixed.mp4")
    info = inspect_video(tmp_path / "mixed.mp4")
    assert not joined.copied
    assert info.width == inspect_video(videos[0]).width
    assert info.browser_playable
    assert abs(info.duration - total) <= 0.1


def test_a_voice_that_is_not_aac_is_encoded_once_for_the_joined_clip(made, tmp_path):
    _folder, voice, parts, videos, total = made
    samples = decode_voice(open(voice, "rb")).samples  # noqa: SIM115
    wav = tmp_path / "voice.wav"
    wav.write_bytes(sound_bytes(samples, 48_000, "wav"))
    joined = join_parts(videos, [p.start for p in parts], wav, tmp_path / "from-wav.mp4")
    assert inspect_video(tmp_path / "from-wav.mp4").audio_codec == "aac"
    assert abs(joined.audio_seconds - total) <= 0.1
