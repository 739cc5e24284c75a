"""Repairing a phone's photo: the time for a 12-megapixel JPEG, the peak memory for 50 MP.

Run: .venv/bin/python bench/photo_repair.py
Time: medians over rounds, in this process, for a 4032 x 3024 JPEG of a real photo (scikit-
image's astronaut, enlarged, with sensor-like grain), stored on its side with EXIF orientation
6 as phones store portraits, so it must be decoded, turned and saved again. Side by side: the
provider check alone (``check_photo``, headers only) and a repair with nothing to change; and
a 12 MP HEIC, which has to be decoded whole (one HEVC picture made by x265's fastest preset:
an iPhone's is a grid of tiles, which libheif decodes on several threads).
Memory: each 50 MP photo is repaired in a fresh process, which reports its peak resident size
(``getrusage``'s max RSS) in all and how much of it the repair added. Linux hands a parent's
peak to a child it starts (the count survives fork and exec), so the photos are made in a
process of their own and the children run while this one is still small.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avatarstudio.settings")

GOAL_MS = 300.0  # the whole pre-flight, face detection included
GOAL_MIB = 300
ROUNDS = 15
PHONE = (4032, 3024)
FIFTY_MP_FORMATS = ("JPEG", "PNG")
FIFTY_MP = (8160, 6120)  # a 50 MP phone sensor; MAX_PIXELS is 50,000,000


def real_photo(size: tuple[int, int], fmt: str = "JPEG", orientation: int | None = None):
    import pillow_heif
    from PIL import Image, ImageChops
    from skimage import data

    picture = Image.fromarray(data.astronaut()).resize(size, Image.Resampling.BICUBIC)
    grain = Image.merge("RGB", [Image.effect_noise(size, 5) for _ in range(3)])
    image = ImageChops.add(picture, grain, offset=-128)  # noise made and added in C: 50 MP fit
    buffer = io.BytesIO()
    if fmt == "HEIF":  # x265's fastest preset: its slow ones take minutes for 12 MP here
        heif = pillow_heif.from_pillow(image)
        heif.save(buffer, format="HEIF", quality=60, enc_params={"preset": "ultrafast"})
        return buffer.getvalue()
    options = {"quality": 92} if fmt == "JPEG" else {"compress_level": 1}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def median_ms(run, rounds: int = ROUNDS) -> tuple[float, float]:
    """Median wall time and median CPU time of ``run``, in ms: on a shared machine the CPU
    time says what the code costs, the wall time what a person would wait."""
    wall, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return sorted(wall)[rounds // 2] * 1000, sorted(cpu)[rounds // 2] * 1000


def times(heic: bytes) -> tuple[float, float]:
    import django

    django.setup()
    from avatarstudio.kling.limits import MB, ProviderLimits
    from avatarstudio.media.photo_repair import repair_photo
    from avatarstudio.media.validation import check_photo

    limits = ProviderLimits()
    upright, turned = real_photo(PHONE), real_photo(PHONE, orientation=6)
    print(f"12 MP phone JPEG: {len(turned) / MB:.1f} MB")
    for name, photo in (("upright, kept as it is", upright), ("on its side", turned)):
        check = median_ms(lambda photo=photo: check_photo(io.BytesIO(photo), len(photo), limits))
        repair = median_ms(lambda photo=photo: repair_photo(io.BytesIO(photo), len(photo), limits))
        print(
            f"  {name}: check_photo alone {check[0]:.1f} ms (CPU {check[1]:.1f} ms), "
            f"repair_photo {repair[0]:.1f} ms (CPU {repair[1]:.1f} ms)"
        )
    repaired = repair_photo(io.BytesIO(turned), len(turned), limits)
    print(
        f"  sent: {repaired.width} x {repaired.height} px, {len(repaired.content) / MB:.1f} MB; "
        + " ".join(str(repair) for repair in repaired.repairs)
    )
    converted = median_ms(lambda: repair_photo(io.BytesIO(heic), len(heic), limits), 3)
    print(
        f"12 MP HEIC ({len(heic) / MB:.1f} MB): repair_photo {converted[0]:.0f} ms "
        f"(CPU {converted[1]:.0f} ms)"
    )
    return repair


def run_self(*arguments: str) -> str:
    command = [sys.executable, __file__, *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def make(folder: Path) -> None:
    for fmt in FIFTY_MP_FORMATS:
        (folder / f"fifty.{fmt.lower()}").write_bytes(real_photo(FIFTY_MP, fmt))
    (folder / "phone.heic").write_bytes(real_photo(PHONE, "HEIF"))


def peak_mib(path: Path) -> tuple[float, float]:
    """The child's peak resident size in all, and the part the repair added, in MiB."""
    total, added = run_self("--child", str(path)).split()
    return float(total), float(added)


def child(path: Path) -> None:
    import django

    django.setup()
    from avatarstudio.kling.limits import ProviderLimits
    from avatarstudio.media.photo_repair import repair_photo

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with path.open("rb") as upload:  # as Django keeps a large upload: in a temporary file
        repair_photo(upload, path.stat().st_size, ProviderLimits())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{after / 1024:.1f} {(after - before) / 1024:.1f}")


def main() -> None:
    peaks = {}
    with tempfile.TemporaryDirectory() as folder:
        run_self("--make", folder)
        for fmt in FIFTY_MP_FORMATS:
            path = Path(folder) / f"fifty.{fmt.lower()}"
            peaks[fmt] = peak_mib(path)
            size = path.stat().st_size / 1024 / 1024
            print(
                f"50 MP {fmt} ({size:.0f} MB): peak {peaks[fmt][0]:.0f} MiB in all, "
                f"{peaks[fmt][1]:.0f} MiB of it for the repair"
            )
        heic = (Path(folder) / "phone.heic").read_bytes()
    repair_ms, repair_cpu_ms = times(heic)
    print(
        f"photo repair: 12 MP in {repair_ms:.0f} ms (CPU {repair_cpu_ms:.0f} ms; goal <= "
        f"{GOAL_MS:.0f} ms with face detection), 50 MP peak {peaks['JPEG'][0]:.0f} MiB "
        f"(goal <= {GOAL_MIB} MiB)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--make":
        make(Path(sys.argv[2]))
    else:
        main()
