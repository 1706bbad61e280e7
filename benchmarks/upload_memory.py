"""Memory of an upload's checks and conversion (issue 22, target 4: bounded memory for uploads).

Makes, in a temporary folder, a 60-megapixel JPEG (9000 x 6666, photo-like gradients and noise,
EXIF orientation 6 so that it must be turned, GPS data), the same upright (its pixels are kept,
only its metadata dropped), a 60-megapixel RGBA PNG (a scan-like
page with a transparent margin) and a 300-page PDF (a scanned page image on each page). Each is
accepted by the real path (portal.documents.checks.accept_upload, virus scan set to accept when
clamd is absent, into a temporary storage) in a fresh child process, which reports its peak
resident memory above its own after the imports (Linux: the peak is reset by
/proc/self/clear_refs, and read from VmHWM) and the time. Then four uploads at once in one
process with four threads, as one gunicorn worker with four threads receives them. Each figure
is printed against the target: 300 MB for one request; for four at once, the limiter's budget
(portal.documents.decode_budget) plus their files.

The upload's own bytes are counted (they are read after the baseline). With --before COMMIT the
images are also run through that commit's portal/documents/images.py and image_pdf.py (read
with git show, nothing checked out) for the figures before the change.

    .venv/bin/python benchmarks/upload_memory.py [--before [8869cf0]] [--only jpeg,upright,png,pdf]
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

TARGET_MB = 300
BEFORE = "8869cf0"  # the last commit before bounded memory for uploads
SIZE = (9000, 6666)  # 59.99 megapixels: just under the limit
PAGES = 300
MB = 1024 * 1024


# --- the files ---------------------------------------------------------------------------------

def photo_jpeg(orientation: int = 6) -> bytes:
    """A phone photo: smooth colours with sensor noise, GPS, EXIF orientation 6 (sideways)."""
    from PIL import Image

    noise = Image.effect_noise(SIZE, 24)
    bands = [Image.linear_gradient("L").resize(SIZE), Image.radial_gradient("L").resize(SIZE),
             Image.linear_gradient("L").rotate(90).resize(SIZE)]
    photo = Image.merge("RGB", [Image.blend(band, noise, 0.35) for band in bands])
    del noise, bands
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "PhoneMaker", orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (50.0, 33.0, 12.5), "E", (8.0, 30.0, 1.25)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def scan_png() -> bytes:
    """A page scanned at high resolution with a transparent margin: paper, lines of 'text'."""
    from PIL import Image, ImageDraw

    page = Image.new("RGBA", SIZE, (250, 248, 240, 255))
    draw = ImageDraw.Draw(page)
    for top in range(400, SIZE[1] - 400, 90):
        for left in range(500, SIZE[0] - 500, 260):
            draw.rectangle((left, top, left + 40 + (left * top) % 200, top + 40), fill=(30, 30, 40, 255))
    draw.rectangle((0, 0, SIZE[0], 150), fill=(0, 0, 0, 0))
    grain = Image.effect_noise(SIZE, 6).point(lambda v: v // 16)  # the scanner's grain, a little
    page = Image.merge("RGBA", [*[Image.blend(band, grain, 0.05) for band in page.split()[:3]],
                                page.getchannel("A")])
    out = io.BytesIO()
    page.save(out, "PNG", compress_level=6)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """300 pages, each a scanned page image (JPEG) with a line of text."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    for number in range(1, PAGES + 1):
        scan = io.BytesIO()
        Image.effect_noise((500, 700), 40 + number % 20).save(scan, "JPEG", quality=60)
        scan.seek(0)
        pdf.drawImage(ImageReader(scan), 50, 100, 495, 693)
        pdf.drawString(50, 60, f"Akte, Seite {number}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# --- one child process ---------------------------------------------------------------------------

def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def _use_before(commit: str) -> None:
    """That commit's images.py and image_pdf.py in place of today's, in this process only."""
    from portal.documents import checks

    sources = {name: subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:portal/documents/{name}.py"],  # noqa: S607
                                    check=True, capture_output=True, text=True).stdout
               for name in ("image_pdf", "images")}
    modules = {}
    for name in ("image_pdf", "images"):
        source = sources[name].replace("portal.documents.image_pdf", "before_image_pdf")
        spec = importlib.util.spec_from_loader(f"before_{name}", loader=None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(source, f"{commit}:{name}.py", "exec"), module.__dict__)  # noqa: S102
        modules[name] = module
    checks.prepare_image = modules["images"].prepare_image


def child(paths: list[str], before: str | None) -> None:
    """Accept the files (one thread each) and print the figures as JSON."""
    from portal.config import VirusScanSettings
    from portal.documents.checks import accept_upload
    from portal.documents.storage import DocumentStorage

    if before:
        _use_before(before)
    scan = VirusScanSettings(address="", when_unavailable="accept", timeout_seconds=60)
    storage = DocumentStorage(Path(tempfile.mkdtemp(prefix="portal-bench-memory-")))
    baseline = _rss_kb("VmRSS")
    resettable = _reset_peak()
    peak_before = _rss_kb("VmHWM")
    started = time.perf_counter()
    errors: list[str] = []

    def accept(path: str) -> None:
        try:
            data = Path(path).read_bytes()  # the upload, as the request holds it
            accept_upload(storage, data, Path(path).name, max_bytes=1024 * MB, virus_scan=scan)
        except Exception as exc:  # noqa: BLE001 - reported
            errors.append(f"{path}: {exc!r}")

    threads = [threading.Thread(target=accept, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    peak = _rss_kb("VmHWM") if resettable else max(_rss_kb("VmHWM"), peak_before)
    print(json.dumps({"peak_mb": (peak - baseline) / 1024, "seconds": seconds, "errors": errors,
                      "peak_reset": resettable}))


def run_child(paths: list[Path], before: str | None) -> dict:
    command = [sys.executable, __file__, "--child", *map(str, paths)] + (["--before", before] if before else [])
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        return {"peak_mb": float("nan"), "seconds": float("nan"),
                "errors": [f"exit {result.returncode}: {result.stderr.strip()[-300:]}"]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(label: str, figures: dict, target_mb: float) -> None:
    met = "met" if figures["peak_mb"] <= target_mb else "NOT met"
    problems = f"; ERRORS: {figures['errors']}" if figures["errors"] else ""
    print(f"{label:<48} peak {figures['peak_mb']:7.0f} MB above baseline, {figures['seconds']:6.2f} s; "
          f"target {target_mb:.0f} MB: {met}{problems}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", nargs="?", const=BEFORE, default=None,
                        help=f"also run the images through this commit's code (default {BEFORE})")
    parser.add_argument("--only", default="jpeg,upright,png,pdf", help="which files: jpeg,upright,png,pdf")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.before)
        return

    from portal.documents.decode_budget import BUDGET_BYTES

    print(f"machine: {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}; load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="portal-bench-uploads-"))
    makers = {"jpeg": ("60 MP JPEG, sideways, GPS", "photo.jpg", photo_jpeg),
              "upright": ("60 MP JPEG, upright, GPS", "upright.jpg", lambda: photo_jpeg(orientation=1)),
              "png": ("60 MP RGBA PNG", "scan.png", scan_png),
              "pdf": (f"{PAGES}-page PDF", "file.pdf", scanned_pdf)}
    files = {}
    for kind in args.only.split(","):
        label, name, make = makers[kind]
        started = time.perf_counter()
        path = work / name
        path.write_bytes(make())
        files[kind] = (label, path)
        print(f"made {label}: {path.stat().st_size / MB:.1f} MB in {time.perf_counter() - started:.1f} s")

    print(f"\none upload in a fresh process (target {TARGET_MB} MB):")
    for kind, (label, path) in files.items():
        report(label, run_child([path], None), TARGET_MB)
        if args.before and kind != "pdf":  # PDFs take the same path before and after
            report(f"  before ({args.before})", run_child([path], args.before), TARGET_MB)

    print(f"\nfour uploads at once, one process with four threads (target: the limiter's budget "
          f"{BUDGET_BYTES / MB:.0f} MB plus the four files):")
    for kind, (label, path) in files.items():
        copies = []
        for number in range(4):  # four files, so that nothing is shared between them
            copy = work / f"{number}-{path.name}"
            copy.write_bytes(path.read_bytes())
            copies.append(copy)
        target = BUDGET_BYTES / MB + 4 * path.stat().st_size / MB
        report(f"4 x {label}", run_child(copies, None), target)
        if args.before and kind != "pdf":
            report(f"  before ({args.before})", run_child(copies, args.before), target)
    if len(files) > 1:
        mixed = ([files[kind][1] for kind in files] * 4)[:4]
        target = BUDGET_BYTES / MB + sum(path.stat().st_size for path in mixed) / MB
        report("4 mixed (" + ", ".join(path.suffix[1:] for path in mixed) + ")", run_child(mixed, None), target)


if __name__ == "__main__":
    main()
