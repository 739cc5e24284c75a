"""Files that would make FFmpeg read or fetch other things are refused before FFmpeg opens
them: every audio and video is opened with a demuxer chosen from its first bytes."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError

from avatarstudio.kling.limits import provider_limits
from avatarstudio.media.convert import recording_to_m4a
from avatarstudio.media.probe import MediaError, probe_audio, sniff_audio_container
from avatarstudio.media.validation import check_audio
from avatarstudio.media.video import inspect_video, make_poster
from tests.media_factory import recording_bytes, voice_bytes

PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
CONCAT = b"ffconcat version 1.0\nfile 'http://169.254.169.254/latest/meta-data/'\n"


@pytest.mark.parametrize("content", [PLAYLIST, CONCAT], ids=["hls", "concat"])
def test_a_playlist_uploaded_as_a_voice_is_refused(content):
    with pytest.raises(ValidationError, match="not audio we can read"):
        check_audio(io.BytesIO(content), len(content), provider_limits())


@pytest.mark.parametrize("content", [PLAYLIST, CONCAT], ids=["hls", "concat"])
def test_a_playlist_posing_as_a_recording_is_refused(content):
    with pytest.raises(MediaError):
        recording_to_m4a(io.BytesIO(content))


def test_a_playlist_posing_as_a_result_video_is_refused(tmp_path):
    fake = tmp_path / "result.mp4"
    fake.write_bytes(PLAYLIST)
    with pytest.raises(MediaError):
        inspect_video(fake)
    with pytest.raises(MediaError):
        make_poster(fake, tmp_path / "poster.jpg")


@pytest.mark.parametrize(
    ("content", "demuxer"),
    [
        (voice_bytes(2, "mp3"), "mp3"),
        (voice_bytes(2, "wav"), "wav"),
        (voice_bytes(2, "m4a"), "mp4"),
        (voice_bytes(2, "aac"), "aac"),
        (recording_bytes(2, "webm"), "matroska"),
        (recording_bytes(2, "ogg"), "ogg"),
        (voice_bytes(2, "flac"), "flac"),
    ],
    ids=["mp3", "wav", "m4a", "aac", "webm", "ogg", "flac"],
)
def test_real_audio_is_recognised_by_its_first_bytes(content, demuxer):
    source = io.BytesIO(content)
    assert sniff_audio_container(source) == demuxer
    assert source.tell() == 0
    assert probe_audio(source).duration == pytest.approx(2, abs=0.1)
