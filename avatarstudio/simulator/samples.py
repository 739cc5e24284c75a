"""A drawn face for demos (seed_demo), so no stock photo has to ship with the project."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def sample_face_jpeg(width: int = 720, height: int = 960) -> bytes:
    image = Image.new("RGB", (width, height), (91, 61, 245))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a soft vertical gradient behind the face
        shade = int(40 * y / height)
        draw.line([(0, y), (width, y)], fill=(91 + shade, 61 + shade, 245 - shade))
    cx, cy, rx, ry = width / 2, height * 0.45, width * 0.28, height * 0.27
    draw.ellipse((cx - rx * 1.9, height * 0.78, cx + rx * 1.9, height * 1.3), fill=(30, 28, 52))
    draw.rectangle(
        (cx - rx * 0.35, cy + ry * 0.8, cx + rx * 0.35, height * 0.82), fill=(228, 186, 150)
    )
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(236, 196, 164))
    draw.chord(
        (cx - rx * 1.05, cy - ry * 1.1, cx + rx * 1.05, cy + ry * 0.3), 180, 360, fill=(60, 40, 30)
    )
    for side in (-1, 1):
        ex = cx + side * rx * 0.38
        draw.ellipse(
            (ex - rx * 0.1, cy - ry * 0.05, ex + rx * 0.1, cy + ry * 0.1), fill=(40, 30, 30)
        )
    draw.arc(
        (cx - rx * 0.35, cy + ry * 0.25, cx + rx * 0.35, cy + ry * 0.6),
        20,
        160,
        fill=(160, 60, 70),
        width=6,
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
