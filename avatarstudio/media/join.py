"""Joining a long video's parts into one MP4, with the whole voice as its sound.

The parts' pictures are laid end to end, each starting where its slice of the voice starts
(``starts``), so a part a frame longer or shorter than its voice never pushes the lips out of
time with the next one. The sound is not the parts' own: it is the whole voice, once, so no
seam can hold a gap, a click or a doubled syllable, and the clip is as long as the voice.

When every part's picture has the same encoding (codec, size, pixel format and parameter
sets, as one model's parts do), its packets are copied as they are: the join costs about a
plain stream copy. Otherwise the picture is re-encoded once, as one H.264 stream at the first
part's size. The voice is copied when it is AAC in MP4, else encoded to AAC once.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from avatarstudio.media.probe import MediaError, sniff_audio_container
from avatarstudio.media.video import video_demuxer

VOICE_BIT_RATE = 128_000


@dataclass(frozen=True)
class Joined:
    copied: bool  # the parts' pictures were copied, not re-encoded
    video_seconds: float
    audio_seconds: float


def join_parts(
    parts: Sequence[Path], starts: Sequence[float], voice: Path, destination: Path
) -> Joined:
    """Write the parts, in order, with ``voice`` as the sound, to ``destination`` (MP4,
    faststart). ``starts`` are the seconds into the voice where each part's slice begins."""
    if not parts or len(parts) != len(starts):
        raise ValueError("one start per part, and at least one part")
    copy = _same_encoding(parts)
    with (
        av.open(str(destination), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        av.open(str(voice), format=_audio_demuxer(voice)) as sound,
    ):
        in_sound = sound.streams.audio[0]
        sound_copied = in_sound.codec_context.name == "aac" and sound.format.name == "mp4"
        with av.open(str(parts[0]), format=video_demuxer(parts[0])) as first:
            template = first.streams.video[0]
            if copy:
                out_video = out.add_stream_from_template(template)
                rate = None
            else:
                rate = template.average_rate or Fraction(25)
                out_video = out.add_stream("libx264", rate=rate, options={"preset": "veryfast"})
                out_video.width = template.codec_context.width // 2 * 2
                out_video.height = template.codec_context.height // 2 * 2
                out_video.pix_fmt = "yuv420p"
        if sound_copied:
            out_audio = out.add_stream_from_template(in_sound)
        else:
            out_audio = out.add_stream("aac", rate=in_sound.codec_context.sample_rate or 48_000)
            out_audio.bit_rate = VOICE_BIT_RATE
        if copy:
            pictures = _copied_pictures(parts, starts, out_video)
        else:
            pictures = _encoded_pictures(parts, starts, out_video, rate)
        voice_packets = (
            _copied_sound(sound, in_sound, out_audio)
            if sound_copied
            else _encoded_sound(sound, in_sound, out_audio)
        )
        last = {"video": 0.0, "audio": 0.0}
        for _, kind, packet in heapq.merge(pictures, voice_packets, key=lambda item: item[0]):
            if packet.pts is not None and packet.duration:
                end = float((packet.pts + packet.duration) * packet.time_base)
                last[kind] = max(last[kind], end)
            out.mux(packet)
    return Joined(copy, video_seconds=last["video"], audio_seconds=last["audio"])


def _same_encoding(parts: Sequence[Path]) -> bool:
    signatures = set()
    for path in parts:
        with av.open(str(path), format=video_demuxer(path)) as container:
            if not container.streams.video:
                raise MediaError("a part has no picture")
            context = container.streams.video[0].codec_context
            signatures.add(
                (context.name, context.width, context.height, context.pix_fmt, context.extradata)
            )
    return len(signatures) == 1


Timed = tuple[float, str, av.Packet]  # (when it decodes, in seconds; "video"/"audio"; packet)


def _copied_pictures(parts: Sequence[Path], starts: Sequence[float], out_stream) -> Iterator[Timed]:
    """Each part's packets, re-stamped to begin at its start; decode times kept rising."""
    last_dts: int | None = None
    for path, start in zip(parts, starts, strict=True):
        with av.open(str(path), format=video_demuxer(path)) as container:
            stream = container.streams.video[0]
            base = stream.time_base
            offset: int | None = None
            for packet in container.demux(stream):
                if packet.dts is None or packet.pts is None:
                    continue  # the demuxer's flush packet
                if offset is None:
                    offset = round(start / base) - packet.pts
                    if last_dts is not None and packet.dts + offset <= last_dts:
                        offset = last_dts + 1 - packet.dts
                packet.pts += offset
                packet.dts += offset
                last_dts = packet.dts
                packet.stream = out_stream
                packet.time_base = base
                yield float(packet.dts * base), "video", packet


def _encoded_pictures(
    parts: Sequence[Path], starts: Sequence[float], out_stream, rate: Fraction
) -> Iterator[Timed]:
    """Every part's frames, decoded and encoded as one stream at the first part's size."""
    base = Fraction(1, 1) / rate
    next_pts = 0
    for path, start in zip(parts, starts, strict=True):
        with av.open(str(path), format=video_demuxer(path)) as container:
            stream = container.streams.video[0]
            first_time: float | None = None
            for frame in container.decode(stream):
                time = frame.time or 0.0
                first_time = time if first_time is None else first_time
                pts = round((start + time - first_time) / base)
                if pts < next_pts:
                    continue  # a faster part: keep one frame in each of the clip's
                frame = frame.reformat(
                    width=out_stream.width, height=out_stream.height, format="yuv420p"
                )
                frame.pts, frame.time_base = pts, base
                next_pts = pts + 1
                yield from _timed_pictures(out_stream.encode(frame), base)
    yield from _timed_pictures(out_stream.encode(None), base)


def _timed_pictures(packets, frame_seconds: Fraction) -> Iterator[Timed]:
    for packet in packets:
        if not packet.duration:
            packet.duration = round(frame_seconds / packet.time_base)
        yield float(packet.dts * packet.time_base), "video", packet


def _copied_sound(container, stream, out_stream) -> Iterator[Timed]:
    for packet in container.demux(stream):
        if packet.dts is None:
            continue
        packet.stream = out_stream
        yield float(packet.dts * packet.time_base), "audio", packet


def _encoded_sound(container, stream, out_stream) -> Iterator[Timed]:
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=out_stream.rate)
    base, samples = Fraction(1, out_stream.rate), 0
    decoded = (frame for packet in container.demux(stream) for frame in packet.decode())
    for frame in itertools.chain(decoded, [None]):
        for piece in resampler.resample(frame):
            piece.pts, piece.time_base = samples, base
            samples += piece.samples
            for packet in out_stream.encode(piece):
                yield float(packet.dts * packet.time_base), "audio", packet
    for packet in out_stream.encode(None):
        yield float(packet.dts * packet.time_base), "audio", packet


def _audio_demuxer(path: Path) -> str:
    with open(path, "rb") as handle:
        return sniff_audio_container(handle)
