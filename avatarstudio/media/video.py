"""Checking, converting and picturing finished clips with PyAV, a frame at a time."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from avatarstudio.media.probe import MediaError

POSTER_WIDTH = 640


@dataclass(frozen=True)
class VideoInfo:
    container: str
    video_codec: str
    pix_fmt: str
    audio_codec: str  # "" when the clip is silent
    width: int
    height: int
    duration: float

    @property
    def browser_playable(self) -> bool:
        """H.264 (4:2:0) with AAC or no sound, in MP4: what every browser plays."""
        return (
            "mp4" in self.container
            and self.video_codec == "h264"
            and self.pix_fmt in ("yuv420p", "yuvj420p")
            and self.audio_codec in ("aac", "")
        )


def video_demuxer(path: Path | str) -> str:
    """MP4 or Matroska/WebM, from the first bytes; a downloaded result is opened with an
    explicit demuxer so a playlist posing as a video cannot make FFmpeg fetch anything."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    raise MediaError("not a video container we read")


def inspect_video(path: Path | str) -> VideoInfo:
    try:
        with av.open(str(path), format=video_demuxer(path)) as container:
            if not container.streams.video:
                raise MediaError("no picture in this file")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            duration = container.duration / av.time_base if container.duration else 0.0
            return VideoInfo(
                container=container.format.name,
                video_codec=video.codec_context.name,
                pix_fmt=video.codec_context.pix_fmt or "",
                audio_codec=audio.codec_context.name if audio else "",
                width=video.codec_context.width,
                height=video.codec_context.height,
                duration=duration,
            )
    except av.FFmpegError:
        raise MediaError("not a readable video") from None


def transcode_to_mp4(source: Path | str, destination: Path | str) -> None:
    """Re-encode any clip as H.264/AAC MP4 (faststart), streaming frame by frame."""
    with (
        av.open(str(source), format=video_demuxer(source)) as src,
        av.open(str(destination), "w", format="mp4", options={"movflags": "+faststart"}) as dst,
    ):
        in_video = src.streams.video[0]
        in_audio = src.streams.audio[0] if src.streams.audio else None
        rate = in_video.average_rate or Fraction(25)
        out_video = dst.add_stream("libx264", rate=rate, options={"preset": "veryfast"})
        out_video.width = in_video.codec_context.width // 2 * 2
        out_video.height = in_video.codec_context.height // 2 * 2
        out_video.pix_fmt = "yuv420p"
        out_audio = (
            dst.add_stream("aac", rate=in_audio.codec_context.sample_rate) if in_audio else None
        )
        streams = [s for s in (in_video, in_audio) if s is not None]
        for packet in src.demux(*streams):
            for frame in packet.decode():
                if packet.stream.type == "video":
                    frame = frame.reformat(
                        width=out_video.width, height=out_video.height, format="yuv420p"
                    )
                    frame.pts = None
                    dst.mux(out_video.encode(frame))
                elif out_audio is not None:
                    frame.pts = None
                    dst.mux(out_audio.encode(frame))
        dst.mux(out_video.encode(None))
        if out_audio is not None:
            dst.mux(out_audio.encode(None))


def make_poster(source: Path | str, destination: Path | str, at_seconds: float = 0.5) -> None:
    """A JPEG of the frame at ``at_seconds`` (or the first), POSTER_WIDTH wide."""
    with av.open(str(source), format=video_demuxer(source)) as container:
        stream = container.streams.video[0]
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is not None and frame.time >= at_seconds:
                break
        if chosen is None:
            raise MediaError("no frame to make a poster from")
        image = chosen.to_image()
    height = round(image.height * POSTER_WIDTH / image.width)
    image.resize((POSTER_WIDTH, height)).save(destination, "JPEG", quality=82)
