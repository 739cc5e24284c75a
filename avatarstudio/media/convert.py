"""Turn a browser recording (WebM/Opus from Chromium and Firefox, MP4/AAC from Safari, Ogg)
into M4A (AAC in MP4), a format the provider accepts, with PyAV.

Converting decodes every sample, and a small file can hold a great many: 92 KiB of FLAC in
WebM at 655 kHz in 8 channels cost 5 s of CPU. So the sample rate and the channels are
refused from the header before anything is decoded, and again from each decoded frame (a
header can lie), and decoding stops as soon as the sound decoded passes a budget.
The voice repair (``voice_repair.py``) decodes under the same guards, worded for its source.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import av

from avatarstudio.media.probe import MediaError, open_sound, sniff_audio_container

SAMPLE_RATE = 48_000
BIT_RATE = 96_000  # mono speech: small files (60 s is about 0.7 MB), clear voice
MAX_INPUT_SECONDS = 120  # a recording twice the provider's limit is refused, not converted
# Browsers record at 48 kHz (Safari at 44.1 kHz too); studio recorders go up to 96 kHz.
MAX_SAMPLE_RATE = 96_000
MAX_CHANNELS = 8  # 7.1: any layout a recording app offers; voices are mono or stereo
# Samples of all channels together: the longest recording we take, in stereo at the highest
# rate, a fraction of a second of CPU to convert.
MAX_DECODED_SAMPLES = MAX_INPUT_SECONDS * MAX_SAMPLE_RATE * 2


class UnsuitableRecording(MediaError):
    """A recording we read but will not convert; the message says why and what to do."""


class RecordingTooLong(UnsuitableRecording):
    """Decoding passed the budget of seconds: the rest of the recording was not read."""


def recording_to_m4a(source: BinaryIO) -> bytes:
    """The recording's sound as an M4A file; raises UnsuitableRecording when it is too long or
    too costly to convert, MediaError when it is not audio we can read."""
    output = io.BytesIO()
    demuxer = sniff_audio_container(source)
    try:
        with (
            open_sound(source, demuxer) as recording,
            av.open(output, "w", format="ipod") as m4a,
        ):
            if not recording.streams.audio:
                raise MediaError("no sound in this recording")
            sound = recording.streams.audio[0]
            check_shape(sound.codec_context.sample_rate, sound.codec_context.channels)
            encoder = m4a.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
            encoder.bit_rate = BIT_RATE
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=SAMPLE_RATE)
            decoded = DecodedSound()
            for frame in recording.decode(sound):
                decoded.add(frame)
                for piece in resampler.resample(frame):
                    m4a.mux(encoder.encode(piece))
            for piece in resampler.resample(None):
                m4a.mux(encoder.encode(piece))
            m4a.mux(encoder.encode(None))
    except av.FFmpegError:
        raise MediaError("not a readable recording") from None
    return output.getvalue()


def check_shape(sample_rate: int, channels: int, subject: str = "This recording") -> None:
    """Refuse a sample rate or a number of channels we do not convert (0 is unknown yet).

    ``subject`` starts the sentence: "This recording", "This audio file", …"""
    if sample_rate > MAX_SAMPLE_RATE:
        raise UnsuitableRecording(
            f"{subject} is sampled at {sample_rate:,} Hz; we convert at most "
            f"{MAX_SAMPLE_RATE:,} Hz. Save it at 48,000 Hz and try again, or record in the "
            "browser."
        )
    if channels > MAX_CHANNELS:
        raise UnsuitableRecording(
            f"{subject} has {channels} sound channels; we convert at most "
            f"{MAX_CHANNELS}. Save it as mono or stereo and try again."
        )


class DecodedSound:
    """What has been decoded so far, refused as soon as it passes a cap.

    The caps scale with ``max_seconds`` (whole minutes): the sound cap is that long a voice in
    stereo at the highest rate we take."""

    def __init__(self, subject: str = "This recording", max_seconds: int = MAX_INPUT_SECONDS):
        self.subject = subject
        self.max_seconds = max_seconds
        self.max_samples = MAX_DECODED_SAMPLES * max_seconds // MAX_INPUT_SECONDS
        self.seconds = 0.0
        self.samples = 0

    def add(self, frame: av.AudioFrame) -> None:
        channels = len(frame.layout.channels)
        check_shape(frame.sample_rate, channels, self.subject)
        self.seconds += frame.samples / (frame.sample_rate or SAMPLE_RATE)
        self.samples += frame.samples * channels
        if self.seconds > self.max_seconds:
            raise RecordingTooLong(
                f"{self.subject} is longer than {self.max_seconds // 60} minutes, the most we "
                "convert. Trim it and try again."
            )
        if self.samples > self.max_samples:
            raise UnsuitableRecording(
                f"{self.subject} holds more sound than a {self.max_seconds // 60}-minute "
                f"voice in stereo at {MAX_SAMPLE_RATE:,} Hz (it has many channels at a high "
                "sample rate). Save it as mono or stereo at 48,000 Hz and try again."
            )
