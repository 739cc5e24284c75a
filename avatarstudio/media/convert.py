"""Turn a browser recording (WebM/Opus from Chromium and Firefox, MP4/AAC from Safari, Ogg)
into M4A (AAC in MP4), a format the provider accepts, with PyAV."""

from __future__ import annotations

import io
from typing import BinaryIO

import av

from avatarstudio.media.probe import MediaError, sniff_audio_container

SAMPLE_RATE = 48_000
BIT_RATE = 96_000  # mono speech: small files (60 s is about 0.7 MB), clear voice
MAX_INPUT_SECONDS = 120  # a recording twice the provider's limit is refused, not converted


def recording_to_m4a(source: BinaryIO) -> bytes:
    """The recording's sound as an M4A file; raises MediaError when it is not audio we can read."""
    output = io.BytesIO()
    demuxer = sniff_audio_container(source)
    try:
        with (
            av.open(source, "r", format=demuxer) as recording,
            av.open(output, "w", format="ipod") as m4a,
        ):
            if not recording.streams.audio:
                raise MediaError("no sound in this recording")
            encoder = m4a.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
            encoder.bit_rate = BIT_RATE
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE)
            seconds = 0.0
            for frame in recording.decode(recording.streams.audio[0]):
                seconds += frame.samples / (frame.sample_rate or SAMPLE_RATE)
                if seconds > MAX_INPUT_SECONDS:
                    raise MediaError("a recording far longer than a minute")
                for piece in resampler.resample(frame):
                    m4a.mux(encoder.encode(piece))
            for piece in resampler.resample(None):
                m4a.mux(encoder.encode(piece))
            m4a.mux(encoder.encode(None))
    except av.FFmpegError:
        raise MediaError("not a readable recording") from None
    return output.getvalue()
