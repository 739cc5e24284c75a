"""The simulator's clips are real: codecs, length, size by mode, motion that follows the voice."""

from __future__ import annotations

import av
import numpy as np
import pytest

from avatarstudio.simulator.render import render_clip
from tests.media_factory import photo_bytes, voice_bytes, write


@pytest.fixture
def inputs(tmp_path):
    image = write(tmp_path / "face.jpg", photo_bytes(600, 800))
    # Silent for the first second, loud for the second, silent again for the third.
    audio = write(tmp_path / "voice.wav", voice_bytes(3.0, "wav", loud_from=1.0, loud_to=2.0))
    return image, audio


def frames_at(path, seconds: list[float]) -> list[np.ndarray]:
    wanted = sorted(seconds)
    found: list[np.ndarray] = []
    with av.open(str(path)) as clip:
        stream = clip.streams.video[0]
        for frame in clip.decode(stream):
            if wanted and frame.time >= wanted[0]:
                found.append(frame.to_ndarray(format="rgb24").astype(np.int16))
                wanted.pop(0)
    return found


@pytest.mark.parametrize(("mode", "short_side", "fps"), [("std", 720, 24), ("pro", 1080, 48)])
def test_a_clip_is_h264_and_aac_as_long_as_the_voice_at_the_modes_size(
    inputs, tmp_path, mode, short_side, fps
):
    image, audio = inputs
    out = tmp_path / f"{mode}.mp4"
    duration = render_clip(image, audio, out, mode)
    assert duration == pytest.approx(3.0, abs=0.01)
    with av.open(str(out)) as clip:
        video, sound = clip.streams.video[0], clip.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert sound.codec_context.name == "aac"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.width, video.height) == (short_side, short_side * 4 // 3)
        assert video.average_rate == fps
        assert clip.duration / av.time_base == pytest.approx(3.0, abs=0.1)
        assert float(video.duration * video.time_base) == pytest.approx(3.0, abs=0.1)


def test_the_moov_atom_comes_first_so_browsers_can_start_playing_at_once(inputs, tmp_path):
    out = tmp_path / "clip.mp4"
    render_clip(*inputs, out, "std")
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1
    assert head.find(b"moov") < out.read_bytes().find(b"mdat")


def test_frames_move_where_the_voice_is_loud_and_rest_where_it_is_quiet(inputs, tmp_path):
    out = tmp_path / "clip.mp4"
    render_clip(*inputs, out, "std")
    quiet_a, quiet_b, loud_a = frames_at(out, [0.3, 0.7, 1.3])
    quiet_change = np.abs(quiet_a - quiet_b).mean()
    loud_vs_quiet = np.abs(loud_a - quiet_a).mean()
    assert loud_vs_quiet > 1.0
    assert loud_vs_quiet > 10 * max(quiet_change, 0.05)


def test_a_photo_turned_by_exif_is_rendered_upright(tmp_path):
    image = write(tmp_path / "turned.jpg", photo_bytes(800, 600, exif_orientation=6))
    audio = write(tmp_path / "voice.wav", voice_bytes(2.0))
    out = tmp_path / "clip.mp4"
    render_clip(image, audio, out, "std")
    with av.open(str(out)) as clip:
        assert (clip.streams.video[0].width, clip.streams.video[0].height) == (720, 960)
