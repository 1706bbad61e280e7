"""Virus scanning: what clamd adds to a file's way in, and why the portal speaks INSTREAM itself.

Starts a clamd of its own (a temporary directory, the EICAR test signature only, as the tests
do: tests/support/clamd.py), then prints, in one run:

1. sending a scan file (default 100 MB) to clamd in the portal's 256 kB chunks against the 1 kB
   chunks of the Python client libraries (clamd, clamav-client): times and their ratio;
2. accepting typical uploads (a small text PDF, a scanned page as PDF, a phone photo) with the
   scan against without it (portal.documents.checks.accept_upload): times and their ratio.

With only one signature clamd's matching is cheaper than with the full official database
(~8 million signatures: its load takes ~20 s and 1 GB of memory at clamd's start, its scan of a
file more per byte); the transport figure does not depend on it.

    .venv/bin/python benchmarks/virus_scan.py [--megabytes 100] [--rounds 20]
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def _instream(address: str, data: bytes, chunk: int) -> str:
    """INSTREAM with a given chunk size (the libraries' way for chunk=1024)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(300)
        sock.connect(address)
        sock.sendall(b"zINSTREAM\0")
        view = memoryview(data)
        for start in range(0, len(view), chunk):
            piece = view[start:start + chunk]
            sock.sendall(struct.pack("!L", len(piece)))
            sock.sendall(piece)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode()


def _image_pdf(jpeg: bytes) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(out, "PDF", resolution=200)
    return out.getvalue()


def _median(run, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100, help="size of the scan file sent to clamd")
    parser.add_argument("--rounds", type=int, default=20, help="rounds per upload figure (the median is shown)")
    args = parser.parse_args()

    from portal.config import VirusScanSettings
    from portal.documents import antivirus
    from portal.documents.checks import accept_upload
    from portal.documents.storage import DocumentStorage
    from tests.support import samples
    from tests.support.mail_corpus import noisy_jpeg
    from tests.support.clamd import Clamd, clamd_binary

    if clamd_binary() is None:
        sys.exit("clamd is not installed (apt-get install clamav-daemon)")
    work = Path(tempfile.mkdtemp(prefix="portal-bench-clamd-"))
    server = Clamd(work, stream_max_mb=args.megabytes + 16).start()
    try:
        print(f"clamd started in {server.started_in * 1000:.0f} ms with 1 signature")
        big = os.urandom(args.megabytes * 1024 * 1024)
        assert _instream(server.address, big, antivirus.CHUNK_BYTES) == "stream: OK"
        ours = _median(lambda: _instream(server.address, big, antivirus.CHUNK_BYTES), 3)
        theirs = _median(lambda: _instream(server.address, big, 1024), 3)
        print(f"{args.megabytes} MB scan file: {antivirus.CHUNK_BYTES // 1024} kB chunks {ours:.2f} s, "
              f"1 kB chunks {theirs:.2f} s: {theirs / ours:.1f} times as long with the libraries' chunks")

        scanning = VirusScanSettings(address=server.address, when_unavailable="refuse", timeout_seconds=60)
        off = VirusScanSettings(address="", when_unavailable="accept", timeout_seconds=60)
        storage = DocumentStorage(work / "storage")
        photo = noisy_jpeg((2400, 1800))  # a phone photo's size and noise
        for name, data in (("10-page PDF", samples.pdf_bytes(10)), ("scanned page as PDF", _image_pdf(photo)),
                           ("phone photo (JPEG)", photo)):
            with_scan = _median(lambda: accept_upload(storage, data, "x", max_bytes=10 * 2**20,
                                                      virus_scan=scanning), args.rounds)
            without = _median(lambda: accept_upload(storage, data, "x", max_bytes=10 * 2**20,
                                                    virus_scan=off), args.rounds)
            scan_only = _median(lambda: antivirus.scan(scanning, data), args.rounds)
            print(f"{name} ({len(data) / 1024:.0f} kB): accepted in {with_scan * 1000:.1f} ms with the scan, "
                  f"{without * 1000:.1f} ms without ({with_scan / without:.2f}x); the scan alone "
                  f"{scan_only * 1000:.1f} ms")
    finally:
        server.stop()
    print(f"machine: {platform.platform()}; {platform.machine()}; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}; load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    import logging

    logging.getLogger("portal.documents.antivirus").setLevel(logging.ERROR)  # "taken unscanned", on purpose
    main()
