"""Render a talking clip the way Kling would deliver it: H.264 and AAC in a faststart MP4.

The clip lasts exactly as long as the voice. The face "speaks": the lower part of the photo
stretches down like an opening jaw and a level bar moves with the loudness of each frame's
slice of audio, so a person can see the picture follow the voice. Only a handful of distinct
pictures exist (one per loudness level), made once, so rendering costs little more than
encoding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageOps

from avatarstudio.core.choices import Mode

SAMPLE_RATE = 32_000  # plenty for a voice, and a third cheaper to encode than 48 kHz
LEVELS = 10
MOTION_STEPS_PER_SECOND = 12  # the jaw moves at most this often, as lips do
AUDIO_FRAME_SAMPLES = 1024


@dataclass(frozen=True)
class RenderProfile:
    short_side: int
    fps: int


PROFILES = {
    Mode.STD: RenderProfile(short_side=720, fps=24),
    Mode.PRO: RenderProfile(short_side=1080, fps=48),
}


def read_voice(path: Path | str) -> np.ndarray:
    """The whole voice as mono float32 samples at 44.1 kHz."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
        chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32, copy=False)


def loudness_levels(samples: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """One level from 0 to LEVELS-1 per step of 1/fps s, from the RMS of that step's audio."""
    per_frame = SAMPLE_RATE / fps
    padded = np.zeros(math.ceil(frames * per_frame) + 1, dtype=np.float32)
    padded[: len(samples)] = samples[: len(padded)]
    edges = (np.arange(frames + 1) * per_frame).astype(np.int64)
    squares = np.concatenate([[0.0], np.cumsum(padded.astype(np.float64) ** 2)])
    counts = np.maximum(edges[1:] - edges[:-1], 1)
    rms = np.sqrt((squares[edges[1:]] - squares[edges[:-1]]) / counts)
    peak = float(rms.max()) if len(rms) else 0.0
    if peak <= 1e-4:
        return np.zeros(frames, dtype=np.int64)
    return np.minimum((rms / peak * LEVELS).astype(np.int64), LEVELS - 1)


def frame_size(image: Image.Image, profile: RenderProfile) -> tuple[int, int]:
    width, height = image.size
    scale = profile.short_side / min(width, height)
    return (round(width * scale / 2) * 2, round(height * scale / 2) * 2)


def speaking_pictures(image: Image.Image, size: tuple[int, int]) -> list[Image.Image]:
    """One picture per loudness level: the jaw opens and the level bar grows with the voice."""
    base = image.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    width, height = size
    jaw_top = int(height * 0.58)
    jaw = base.crop((0, jaw_top, width, height))
    pictures = []
    for level in range(LEVELS):
        picture = base.copy()
        stretch = 1 + 0.12 * level / (LEVELS - 1)
        opened = jaw.resize((width, int(jaw.height * stretch)), Image.Resampling.BILINEAR)
        picture.paste(opened.crop((0, 0, width, jaw.height)), (0, jaw_top))
        draw = ImageDraw.Draw(picture)
        bar_height = max(6, height // 90)
        draw.rectangle((0, height - bar_height, width, height), fill=(20, 18, 40))
        draw.rectangle(
            (0, height - bar_height, int(width * (level + 1) / LEVELS), height),
            fill=(124, 92, 255),
        )
        pictures.append(picture)
    return pictures


def render_clip(
    image_path: Path | str, audio_path: Path | str, out_path: Path | str, mode: str
) -> float:
    """Write the clip to ``out_path`` and return its duration in seconds."""
    profile = PROFILES[mode]
    samples = read_voice(audio_path)
    duration = len(samples) / SAMPLE_RATE
    frames = max(1, math.ceil(duration * profile.fps))
    hold = max(1, profile.fps // MOTION_STEPS_PER_SECOND)
    steps = loudness_levels(samples, profile.fps / hold, math.ceil(frames / hold))
    levels = np.repeat(steps, hold)[:frames]
    with Image.open(image_path) as opened:
        image = ImageOps.exif_transpose(opened)
        size = frame_size(image, profile)
        pictures = [
            av.VideoFrame.from_image(picture).reformat(format="yuv420p")
            for picture in speaking_pictures(image, size)
        ]

    with av.open(str(out_path), "w", format="mp4", options={"movflags": "+faststart"}) as output:
        video = output.add_stream(
            "libx264",
            rate=profile.fps,
            options={"preset": "ultrafast", "tune": "stillimage", "crf": "28"},
        )
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        audio = output.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        video_time_base = Fraction(1, profile.fps)
        audio_sent = 0
        for index in range(frames):
            frame = pictures[int(levels[index])]
            frame.pts = index
            frame.time_base = video_time_base
            output.mux(video.encode(frame))
            # Keep the file interleaved: send the voice up to the end of this picture.
            until = min(len(samples), math.ceil((index + 1) * SAMPLE_RATE / profile.fps))
            audio_sent = _send_audio(output, audio, samples, audio_sent, until)
        _send_audio(output, audio, samples, audio_sent, len(samples), final=True)
        output.mux(video.encode(None))
    return duration


def _send_audio(
    output: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    samples: np.ndarray,
    start: int,
    until: int,
    final: bool = False,
) -> int:
    while until - start >= AUDIO_FRAME_SAMPLES or (final and until > start):
        chunk = samples[start : min(start + AUDIO_FRAME_SAMPLES, until)]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        frame.time_base = Fraction(1, SAMPLE_RATE)
        output.mux(stream.encode(frame))
        start += len(chunk)
    if final:
        output.mux(stream.encode(None))
    return start
