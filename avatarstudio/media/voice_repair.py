"""Make a person's voice fit the provider's rules instead of refusing it: take the sound of a
video, convert OGG/Opus, FLAC and WebM to M4A (AAC), trim the silence at both ends, bring a
very quiet or clipping voice to a normal loudness, and keep the file under the size limit.

The rules this module keeps:

- A file that already fits (a format the provider takes, within its limits, no long silence at
  either end, a normal loudness) is sent as it came, byte for byte. Everything else is sent as
  M4A, and each change is said in one sentence (``Repair``); but a WAV stays a WAV (16-bit,
  mono) when it fits the size limit, so trimming or levelling it loses nothing and costs no
  encoding.
- The sound is decoded once, under ``convert.py``'s guards (sample rate, channels, decoded
  samples), into mono float32 at 48 kHz (44.1 kHz when that is the source's rate).
- Containers are chosen from the first bytes (``sniff_audio_container``), never by FFmpeg's
  own format probing, which would follow playlists.
- Loudness is measured as EBU R128 / ITU-R BS.1770 integrated loudness, by FFmpeg's ``ebur128``
  filter, and changed (to -16 LUFS) only when it is very quiet (under -28 LUFS) or very loud
  (over -8 LUFS); the gain never lifts the
  true peak (4x oversampled) above -1.5 dBTP. There is no limiter, so a voice is never
  squashed, and a very peaky one may end a few LU under the target.
- Refusals are ValidationErrors worded for the source: "this audio file", "this recording",
  "the sound of this video".
"""

from __future__ import annotations

import dataclasses
import io
import math
import wave
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import BinaryIO

import av
import av.filter
import numpy as np
from django.core.exceptions import ValidationError

from avatarstudio.kling.limits import MB, ProviderLimits
from avatarstudio.media.convert import (
    MAX_INPUT_SECONDS,
    DecodedSound,
    RecordingTooLong,
    UnsuitableRecording,
    check_shape,
)
from avatarstudio.media.probe import AudioInfo, MediaError, open_sound, sniff_audio_container
from avatarstudio.media.repairs import Repair
from avatarstudio.media.validation import DURATION_SLACK, check_audio

ABSOLUTE_GATE_LUFS = -70.0  # BS.1770: quieter blocks are not counted as sound at all
# Silence: 20 ms frames whose RMS is 40 dB below the loudest frame (or under -70 dBFS, as low
# as the absolute gate) are silent. 40 dB leaves a noisy room's voice untrimmed rather than
# cutting into a soft first syllable.
FRAME_SECONDS = 0.02
SILENCE_BELOW_LOUDEST_DB = 40.0
SILENCE_FLOOR_DBFS = ABSOLUTE_GATE_LUFS
PADDING_SECONDS = 0.15  # kept around the voice, so that it does not start or end abruptly
MIN_TRIM_SECONDS = 0.5  # less silence than this is not worth re-encoding a file that fits
FADE_SECONDS = 0.01  # at a cut inside the voice ("use the first 60 s"), to avoid a click

TARGET_LUFS = -16.0  # what podcast and streaming platforms aim at for speech
# Between these a voice is left as it is: re-encoding costs quality, and speech anywhere in
# this range plays well. Only a very quiet or a very loud one is brought to TARGET_LUFS.
QUIET_BELOW_LUFS = -28.0
LOUD_ABOVE_LUFS = -8.0
CEILING_DBTP = -1.5  # headroom for the AAC encoder's overshoot and the provider's own mixing
MIN_GAIN_DB = 1.0  # a smaller change, once the ceiling has had its say, is not worth making
MAX_GAIN_DB = 30.0  # beyond this a "voice" is mostly room noise: lift it no further
CLIPPING_LEVEL = 0.99  # a sample this close to full scale: the recording was clipping

# AAC-LC in M4A, mono. FFmpeg's "fast" coder: at 128 kbit/s its maintainers rate it better
# than the default "twoloop", at half the CPU. Lower rates only when the file would be too big.
BIT_RATES = (128_000, 96_000, 64_000)
AAC_OPTIONS = {"aac_coder": "fast"}
CONTAINER_OVERHEAD = 1.02  # the M4A's index and headers, over the AAC stream itself
WAV_HEADER_BYTES = 44
LONG_PART_ROOM_SECONDS = 2.0  # as media.split plans parts: under the maximum, room to move
LONG_VOICE_MAX_BYTES = 100 * 1024 * 1024  # a long video's whole voice, before it is split

FORMAT_NAMES = {
    "ogg": "OGG",
    "flac": "FLAC",
    "webm": "WebM",
    "mkv": "MKV",
    "mp3": "MP3",
    "wav": "WAV",
    "m4a": "M4A",
    "aac": "AAC",
}
CONTAINER_FORMATS = {"matroska": "mkv", "mp4": "m4a"}  # demuxer → our name, where they differ


class VoiceSource(StrEnum):
    """Where the voice came from, to word the messages: an uploaded file or a recording."""

    FILE = "file"
    RECORDING = "recording"


@dataclass(frozen=True)
class RepairedVoice:
    content: bytes  # the original bytes when nothing needed changing, else M4A (AAC) or WAV
    extension: str  # "m4a" or "wav", or the original's: "mp3", "wav", "m4a", "aac"
    duration: float  # seconds, as sent
    repairs: tuple[Repair, ...]
    original_is_valid: bool
    original_duration: float


class VoiceTooShort(ValidationError):
    """Under the provider's minimum of voice, once the silence is left out."""

    def __init__(self, message: str, *, speech: float) -> None:
        super().__init__(message, code="too_short")
        self.speech = speech


class VoiceTooLong(ValidationError):
    """Over the provider's maximum: the message offers to use the first ``first_seconds``,
    and to make a long video of ``long_parts`` parts when that is possible (else 0)."""

    def __init__(
        self, message: str, *, duration: float, first_seconds: float, long_parts: int = 0
    ) -> None:
        super().__init__(message, code="too_long")
        self.duration = duration
        self.first_seconds = first_seconds
        self.long_parts = long_parts


@dataclass(frozen=True)
class Wording:
    """The words for this voice's source, in refusals and in the sentences of repairs."""

    kind: VoiceSource
    video: bool = False

    @property
    def subject(self) -> str:
        if self.video:
            return "The sound of this video"
        return "This recording" if self.kind is VoiceSource.RECORDING else "This audio file"

    @property
    def recording(self) -> bool:
        return self.kind is VoiceSource.RECORDING and not self.video

    def empty(self) -> str:
        if self.recording:
            return "This recording is empty. Record again."
        return "This audio file is empty. Choose the file again."

    def unreadable(self) -> str:
        if self.recording:
            return "This recording cannot be read. Record again."
        return (
            "This file is not audio or video we can read. Upload an MP3, WAV, M4A, AAC, OGG, "
            "FLAC or WebM file, or a video from your phone."
        )

    def no_sound(self) -> str:
        if self.video:
            return (
                "This video has no sound. Choose a video in which the person speaks, or upload "
                "the voice on its own."
            )
        return f"{self.subject} has no sound in it. {self._choose_another()}"

    def silent(self) -> str:
        if self.recording:
            return "We hear no voice in this recording. Check the microphone and record again."
        return f"We hear no voice in {self.subject.lower()}. {self._choose_another()}"

    def too_short(self, speech: float, silence: float, minimum: float) -> str:
        rest = f" (the other {silence:.1f} s are silence)" if silence >= MIN_TRIM_SECONDS else ""
        if self.recording:
            advice = "Record a little more."
        elif self.video:
            advice = "Choose a video in which the person speaks longer."
        else:
            advice = "Choose a longer recording of the voice."
        return (
            f"{self.subject} has only {speech:.1f} s of voice{rest}; Kling needs at least "
            f"{minimum:g} seconds. {advice}"
        )

    def too_long(self, duration: float, maximum: float, trimmed: bool, long_parts: int = 0) -> str:
        without = " without its silence" if trimmed else ""
        fix = "record a shorter take" if self.recording else "trim it and try again"
        if long_parts:
            return (
                f"{self.subject} is {_seconds_text(duration)} long{without}; Kling makes at "
                f"most {maximum:g} seconds at a time. Make it a long video (in {long_parts} "
                f"parts, joined into one), or use the first {maximum:g} s."
            )
        return (
            f"{self.subject} is {_seconds_text(duration)} long{without}; Kling accepts at most "
            f"{maximum:g} seconds. Use the first {maximum:g} s, or {fix}."
        )

    def too_long_to_read(self, budget: int, maximum: float) -> str:
        """Decoding stopped at the budget: how long it really is, we did not read."""
        fix = "record a shorter take" if self.recording else "trim it and try again"
        return (
            f"{self.subject} is longer than {budget // 60} minutes; Kling accepts at most "
            f"{maximum:g} seconds. Use the first {maximum:g} s, or {fix}."
        )

    def too_big(self, maximum: int) -> str:
        return (
            f"{self.subject} is too long to fit in {maximum // MB} MB, even re-encoded at "
            f"{BIT_RATES[-1] // 1000} kbit/s. Use a shorter one."
        )

    def converted(self, original: str) -> str:
        name = FORMAT_NAMES.get(original, original.upper())
        noun = "recording" if self.recording else "file"
        if original == "m4a":
            return f"Re-encoded the M4A {noun}."
        return f"Converted the {name} {noun} to M4A."

    def _choose_another(self) -> str:
        return "Record again." if self.recording else "Choose a file with the voice in it."


@dataclass(frozen=True)
class DecodedVoice:
    samples: np.ndarray  # mono float32
    rate: int
    peak: float  # the highest sample of any channel, before mixing to mono
    video: bool  # a picture stream besides the sound (cover art does not count)
    container: str  # ours: "ogg", "flac", "webm", "mkv", "m4a", "mp3", "wav", "aac"
    complete: bool  # False when decoding stopped at the budget: there is more

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def repair_voice(
    source: BinaryIO,
    size: int,
    limits: ProviderLimits,
    *,
    kind: VoiceSource = VoiceSource.FILE,
    first_seconds: float | None = None,
    long_video_max: float | None = None,
) -> RepairedVoice:
    """The voice as it will be sent, with what was changed; raises ValidationError (among them
    VoiceTooShort and VoiceTooLong) when it cannot be made to fit.

    ``first_seconds`` (at most the provider's maximum) is the person's answer to "use the first
    60 s": the voice from its first sound, cut after that many seconds. ``long_video_max``
    (seconds) says a longer voice could be made as a long video: VoiceTooLong then offers it.
    To make one, repair with limits whose maximum is the long video's (``long_video_limits``).
    """
    if first_seconds is not None:
        if first_seconds < limits.audio_min_seconds:
            raise ValueError(f"first_seconds must be at least {limits.audio_min_seconds:g}")
        first_seconds = min(first_seconds, limits.audio_max_seconds)
    wording = Wording(kind)
    if size == 0:
        raise ValidationError(wording.empty(), code="empty")
    original_problem, original_info = _check_original(source, size, limits)
    budget = max(_budget_seconds(limits), math.ceil(long_video_max or 0) + 60)
    voice = _decode(source, wording, budget)
    wording = Wording(kind, video=voice.video)
    if not voice.complete and first_seconds is None:
        maximum = limits.audio_max_seconds
        raise VoiceTooLong(
            wording.too_long_to_read(budget, maximum), duration=voice.seconds, first_seconds=maximum
        )
    plan = _plan(voice, limits, wording, first_seconds, long_video_max)
    valid = original_problem is None
    if valid and not plan.trimmed and not plan.cut and not plan.gain_db:
        return _untouched(source, original_info)
    samples = plan.samples(voice)
    encoded = _as_wav(samples, voice.rate, limits) if voice.container == "wav" else None
    encoded = encoded or _encode_within(samples, voice.rate, limits, wording)
    sent = check_audio(io.BytesIO(encoded.content), len(encoded.content), limits)
    repairs = _repairs(voice, plan, wording, original_problem, size, limits, encoded)
    return RepairedVoice(
        content=encoded.content,
        extension=encoded.extension,
        duration=sent.duration,
        repairs=repairs,
        original_is_valid=valid,
        original_duration=original_info.duration if valid else voice.seconds,
    )


def long_video_limits(limits: ProviderLimits, long_video_max: float) -> ProviderLimits:
    """The rules a long video's whole voice is repaired by: the length a long video may
    have, and room in size; its parts are cut to the provider's own rules later."""
    return dataclasses.replace(
        limits, audio_max_seconds=long_video_max, audio_max_bytes=LONG_VOICE_MAX_BYTES
    )


def as_it_came(source: BinaryIO, size: int, limits: ProviderLimits) -> RepairedVoice:
    """The voice sent as it came, for a person who chose their original over its repair;
    ValidationError if it breaks a provider rule."""
    source.seek(0)
    info = check_audio(source, size, limits)
    return _untouched(source, info)


def _untouched(source: BinaryIO, info: AudioInfo) -> RepairedVoice:
    source.seek(0)
    return RepairedVoice(
        content=source.read(),
        extension=info.format,
        duration=info.duration,
        repairs=(),
        original_is_valid=True,
        original_duration=info.duration,
    )


def _check_original(
    source: BinaryIO, size: int, limits: ProviderLimits
) -> tuple[str | None, AudioInfo | None]:
    """(None, its AudioInfo) when the original fits the provider's rules, else (the code of
    the first rule it breaks, None)."""
    try:
        return None, check_audio(source, size, limits)
    except ValidationError as error:
        return error.code, None
    finally:
        source.seek(0)


def _budget_seconds(limits: ProviderLimits) -> int:
    """Decode at most twice the provider's maximum (in whole minutes), and at least as much as
    a recording is converted."""
    twice = math.ceil(2 * limits.audio_max_seconds / 60) * 60
    return max(MAX_INPUT_SECONDS, twice)


# Decoding -------------------------------------------------------------------------------------


def decode_voice(source: BinaryIO, max_seconds: int = 20 * 60) -> DecodedVoice:
    """The voice as mono float32, under the same guards as a repair (ValidationError)."""
    return _decode(source, Wording(VoiceSource.FILE), max_seconds)


def _decode(source: BinaryIO, wording: Wording, budget: int) -> DecodedVoice:
    """The first sound stream as mono float32; decoding stops after ``budget`` seconds."""
    source.seek(0)
    try:
        demuxer = sniff_audio_container(source)
    except MediaError:
        raise ValidationError(wording.unreadable(), code="format") from None
    container = _our_container(source, demuxer)
    try:
        with open_sound(source, demuxer) as media:
            video = any(
                not stream.disposition & av.stream.Disposition.attached_pic
                for stream in media.streams.video
            )
            wording = Wording(wording.kind, video=video)
            if not media.streams.audio:
                raise ValidationError(wording.no_sound(), code="no_sound")
            sound = media.streams.audio[0]
            header = sound.codec_context
            check_shape(header.sample_rate, header.channels, wording.subject)
            rate = 44_100 if header.sample_rate == 44_100 else 48_000
            mono, peak, complete = _decode_mono(media, sound, rate, wording, budget)
    except UnsuitableRecording as error:
        raise ValidationError(str(error), code="unsuitable") from None
    except (av.FFmpegError, ValueError):
        raise ValidationError(wording.unreadable(), code="format") from None
    return DecodedVoice(mono, rate, peak, video, container, complete)


def _decode_mono(media, sound, rate: int, wording: Wording, budget: int):
    """(mono samples, peak, whether the whole stream was read)."""
    decoded = DecodedSound(wording.subject, max_seconds=budget)
    pieces: list[np.ndarray] = []
    peak = 0.0
    resampler = None
    complete = True
    try:
        for packet in media.demux(sound):
            for frame in packet.decode():
                decoded.add(frame)
                if resampler is None:
                    stereo = len(frame.layout.channels) > 1
                    layout = "stereo" if stereo else "mono"
                    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
                for piece in resampler.resample(frame):
                    peak = _mix_into(pieces, piece.to_ndarray(), peak)
    except RecordingTooLong:
        complete = False
    if resampler is not None:
        for piece in resampler.resample(None):
            peak = _mix_into(pieces, piece.to_ndarray(), peak)
    if not pieces:
        raise ValidationError(wording.no_sound(), code="no_sound")
    return np.concatenate(pieces), peak, complete


def _mix_into(pieces: list[np.ndarray], planes: np.ndarray, peak: float) -> float:
    """Append the mono mix of ``planes`` (channels by samples) and return the new peak."""
    if planes.size:
        peak = max(peak, float(np.abs(planes).max()))
    # FFmpeg's own stereo-to-mono mix: a voice in both channels keeps its loudness.
    mono = planes[0] if len(planes) == 1 else (planes[0] + planes[1]) * np.float32(math.sqrt(0.5))
    pieces.append(np.ascontiguousarray(mono, dtype=np.float32))
    return peak


def _our_container(source: BinaryIO, demuxer: str) -> str:
    """The demuxer's family in our words; Matroska says in its header whether it is WebM."""
    if demuxer == "matroska":
        start = source.tell()
        head = source.read(64)
        source.seek(start)
        return "webm" if b"webm" in head else "mkv"
    return CONTAINER_FORMATS.get(demuxer, demuxer)


# Planning: what to cut, what to change --------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    start: int  # samples kept: [start, end)
    end: int
    trimmed: float  # seconds of silence cut away at the ends
    cut: float | None  # "use the first N s": N, when the voice was longer
    gain_db: float  # 0.0: the loudness is left as it is

    def samples(self, voice: DecodedVoice) -> np.ndarray:
        """The samples to send: a new array, the decoded ones are left as they are."""
        kept = voice.samples[self.start : self.end]
        if self.gain_db:
            kept = kept * np.float32(10 ** (self.gain_db / 20))
        kept = np.clip(kept, -1.0, 1.0)
        if self.cut:
            fade = min(len(kept), round(FADE_SECONDS * voice.rate))
            kept[len(kept) - fade :] *= np.linspace(1, 0, fade, dtype=np.float32)
        return kept


def long_parts(seconds: float, maximum: float, long_video_max: float | None) -> int:
    """The parts of a long video this voice would make, or 0 when it cannot be one."""
    if not long_video_max or seconds > long_video_max + DURATION_SLACK:
        return 0
    return math.ceil(seconds / max(maximum - LONG_PART_ROOM_SECONDS, 1.0))


def _plan(
    voice: DecodedVoice,
    limits: ProviderLimits,
    wording: Wording,
    first_seconds: float | None,
    long_video_max: float | None = None,
) -> Plan:
    rate, total = voice.rate, len(voice.samples)
    span = voiced_span(voice.samples, rate)
    if span is None:
        raise VoiceTooShort(wording.silent(), speech=0.0)
    speech = (span[1] - span[0]) / rate
    if speech < limits.audio_min_seconds - DURATION_SLACK:
        silence = voice.seconds - speech
        message = wording.too_short(speech, silence, limits.audio_min_seconds)
        raise VoiceTooShort(message, speech=speech)
    start, end = _padded(span, total, rate, limits.audio_min_seconds)
    too_long = total / rate > limits.audio_max_seconds + DURATION_SLACK
    worth_trimming = (total - (end - start)) / rate >= MIN_TRIM_SECONDS
    if not (worth_trimming or too_long):
        start, end = 0, total
    kept = (end - start) / rate
    cut = None
    if first_seconds is not None and kept > first_seconds + DURATION_SLACK:
        cut, end = first_seconds, start + round(first_seconds * rate)
    elif kept > limits.audio_max_seconds + DURATION_SLACK:
        maximum = limits.audio_max_seconds
        parts = long_parts(kept, maximum, long_video_max)
        message = wording.too_long(kept, maximum, trimmed=end - start < total, long_parts=parts)
        raise VoiceTooLong(message, duration=kept, first_seconds=maximum, long_parts=parts)
    trimmed = (start + (total - end if cut is None else 0)) / rate
    gain = level_gain_db(voice.samples[start:end], rate)
    return Plan(start, end, trimmed, cut, gain)


def voiced_span(samples: np.ndarray, rate: int) -> tuple[int, int] | None:
    """The samples from the first to the last 20 ms frame that is not silence; None if all is."""
    size = round(FRAME_SECONDS * rate)
    count = len(samples) // size
    if count == 0:
        return None
    frames = samples[: count * size].reshape(count, size)
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / size
    threshold = max(
        float(power.max()) * 10 ** (-SILENCE_BELOW_LOUDEST_DB / 10),
        10 ** (SILENCE_FLOOR_DBFS / 10),
    )
    voiced = np.flatnonzero(power > threshold)
    if not len(voiced):
        return None
    return int(voiced[0]) * size, int(voiced[-1] + 1) * size


def _padded(span: tuple[int, int], total: int, rate: int, minimum: float) -> tuple[int, int]:
    """The voice with its padding, widened (within the file) to the provider's minimum."""
    pad, need = round(PADDING_SECONDS * rate), round(minimum * rate)
    start, end = max(0, span[0] - pad), min(total, span[1] + pad)
    if end - start < need:
        start = max(0, start - (need - (end - start) + 1) // 2)
        end = min(total, start + need)
        start = max(0, end - need)
    return start, end


# Loudness -------------------------------------------------------------------------------------


def level_gain_db(samples: np.ndarray, rate: int) -> float:
    """The gain that brings the voice to TARGET_LUFS under the true-peak ceiling, or 0.0 when
    its loudness is neither very quiet nor very loud, or the ceiling leaves too little of the
    change."""
    loudness = integrated_loudness(samples, rate)
    if QUIET_BELOW_LUFS <= loudness <= LOUD_ABOVE_LUFS:
        return 0.0
    wanted = TARGET_LUFS - loudness
    allowed = CEILING_DBTP - true_peak_db(samples)
    gain = min(wanted, allowed, MAX_GAIN_DB)
    if abs(gain) < MIN_GAIN_DB or (gain > 0) != (wanted > 0):
        return 0.0  # too small a change, or the ceiling would turn "louder" into "quieter"
    return gain


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """EBU R128 integrated loudness of mono samples in LUFS, by FFmpeg's ``ebur128`` filter
    (ITU-R BS.1770: K-weighting, 400 ms blocks, absolute and relative gates)."""
    graph = av.filter.Graph()
    feed = graph.add_abuffer(
        format="flt", sample_rate=rate, layout="mono", time_base=Fraction(1, rate)
    )
    meter = graph.add("ebur128", "metadata=1")
    sink = graph.add("abuffersink")
    feed.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
    graph.push(frame)
    graph.push(None)
    loudness = ABSOLUTE_GATE_LUFS  # what ebur128 says when every block is under the gate
    while True:
        try:
            measured = graph.pull()
        except (av.BlockingIOError, av.EOFError):
            break
        # Each 100 ms carries the loudness so far; a last partial frame carries none.
        loudness = float(measured.metadata.get("lavfi.r128.I", loudness))
    return loudness


def _interpolation_phases() -> np.ndarray:
    """BS.1770's 4x oversampling as 4 phases of a 48-tap windowed-sinc interpolator."""
    taps = np.arange(48) - 24
    kernel = np.sinc(taps / 4) * np.kaiser(49, 8.0)[:48]
    phases = np.stack([kernel[phase::4] for phase in range(4)])
    return (phases / phases.sum(axis=1, keepdims=True)).astype(np.float32)


INTERPOLATION_PHASES = _interpolation_phases()


def true_peak_db(samples: np.ndarray) -> float:
    """The highest level of the sound between samples too (dBTP), 4x oversampled."""
    peak = float(np.abs(samples).max(initial=0.0))
    for phase in INTERPOLATION_PHASES[1:]:  # phase 0 is the samples themselves
        between = np.convolve(samples, phase, mode="valid")
        peak = max(peak, float(np.abs(between).max(initial=0.0)))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


# Encoding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    content: bytes
    extension: str  # "m4a" or "wav"
    bit_rate: int | None  # the AAC bit rate; None for WAV


def _as_wav(samples: np.ndarray, rate: int, limits: ProviderLimits) -> Encoded | None:
    """16-bit mono WAV, or None when that would break the size limit."""
    if WAV_HEADER_BYTES + 2 * len(samples) > limits.audio_max_bytes:
        return None
    output = io.BytesIO()
    with wave.open(output, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        # The inverse of FFmpeg's 16-bit to float (x / 32768): 16-bit samples come back as
        # they were, so a trimmed WAV loses nothing.
        pcm = np.clip((samples * np.float32(32768)).round(), -32768, 32767).astype("<i2")
        wav.writeframes(pcm.tobytes())
    return Encoded(output.getvalue(), "wav", None)


def _encode_within(
    samples: np.ndarray, rate: int, limits: ProviderLimits, wording: Wording
) -> Encoded:
    """M4A at the highest bit rate that fits the size limit."""
    seconds = len(samples) / rate
    for bit_rate in BIT_RATES:
        if bit_rate / 8 * seconds * CONTAINER_OVERHEAD > limits.audio_max_bytes:
            continue  # it would not fit: do not spend the CPU to find out
        content = encode_m4a(samples, rate, bit_rate)
        if len(content) <= limits.audio_max_bytes:
            return Encoded(content, "m4a", bit_rate)
    raise ValidationError(wording.too_big(limits.audio_max_bytes), code="too_big")


def encode_m4a(samples: np.ndarray, rate: int, bit_rate: int) -> bytes:
    """Mono float samples as AAC-LC in M4A."""
    output = io.BytesIO()
    with av.open(output, "w", format="ipod") as m4a:
        stream = m4a.add_stream("aac", rate=rate, layout="mono", options=AAC_OPTIONS)
        stream.bit_rate = bit_rate
        for start in range(0, len(samples), rate):  # a second a frame: the encoder re-frames
            chunk = np.ascontiguousarray(samples[start : start + rate]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            m4a.mux(stream.encode(frame))
        m4a.mux(stream.encode(None))
    return output.getvalue()


# What to tell the person ----------------------------------------------------------------------


def _repairs(
    voice: DecodedVoice,
    plan: Plan,
    wording: Wording,
    original_problem: str | None,
    size: int,
    limits: ProviderLimits,
    encoded: Encoded,
) -> tuple[Repair, ...]:
    repairs = []
    if voice.video:
        repairs.append(Repair("took_sound", "Took the sound from the video."))
    elif voice.container not in limits.audio_formats or original_problem in ("format", "video"):
        # "video": a picture that is no video, such as an MP3's cover art
        repairs.append(Repair("converted", wording.converted(voice.container)))
    converted = bool(repairs)
    if plan.trimmed >= 0.05:
        repairs.append(Repair("trimmed_silence", f"Trimmed {plan.trimmed:.1f} s of silence."))
    if plan.cut:
        repairs.append(Repair("used_first", f"Used the first {plan.cut:g} s."))
    if plan.gain_db > 0:
        repairs.append(Repair("louder", "Made the voice louder (it was very quiet)."))
    elif plan.gain_db < 0:
        why = "it was clipping" if voice.peak >= CLIPPING_LEVEL else "it was very loud"
        repairs.append(Repair("quieter", f"Made the voice quieter ({why})."))
    if encoded.bit_rate is None:
        if size > limits.audio_max_bytes:
            repairs.append(Repair("smaller", "Made it smaller: saved it as mono 16-bit WAV."))
    elif encoded.bit_rate < BIT_RATES[0] or (size > limits.audio_max_bytes and not converted):
        rate = encoded.bit_rate // 1000
        repairs.append(Repair("smaller", f"Made it smaller: re-encoded at {rate} kbit/s."))
    if not repairs:  # the original broke a rule none of the above names
        repairs.append(Repair("converted", wording.converted(voice.container)))
    return tuple(repairs)


def _seconds_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"
