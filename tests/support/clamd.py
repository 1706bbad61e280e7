"""A clamd of the tests' own: a temporary directory, a UNIX socket there, a configuration and a
signature database written here (nothing downloaded: freshclam needs the network). It knows one
signature, the EICAR test file's, found anywhere in a file and in whatever clamd unpacks (ZIP,
PDF streams, MIME parts). It starts in well under a second; the test run shares one."""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path

# The EICAR anti-virus test file: harmless, and detected by every scanner as if it were a virus.
# Written in two halves, so that no scanner flags this source file itself.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Portal.Test.EICAR"
# As clamd reports it: a signature from a database of one's own is marked UNOFFICIAL.
FOUND_AS = SIGNATURE + ".UNOFFICIAL"
STREAM_MAX_MB = 64


def clamd_binary() -> str | None:
    return shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd",) if os.access(p, os.X_OK)), None)


class Clamd:
    def __init__(self, directory: Path, stream_max_mb: int = STREAM_MAX_MB):
        self.directory = Path(directory)
        self.stream_max_mb = stream_max_mb
        self.socket = self.directory / "clamd.sock"
        self.address = str(self.socket)
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None

    def start(self) -> Clamd:
        database = self.directory / "db"
        database.mkdir(parents=True, exist_ok=True)
        # A body signature (.ndb): target 0 (any file), offset * (anywhere), the bytes in hex.
        (database / "portal-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
        config = self.directory / "clamd.conf"
        config.write_text("\n".join([
            f"LocalSocket {self.socket}",
            f"DatabaseDirectory {database}",
            f"LogFile {self.directory / 'clamd.log'}",
            f"PidFile {self.directory / 'clamd.pid'}",
            f"TemporaryDirectory {self.directory}",
            "Foreground yes",
            f"StreamMaxLength {self.stream_max_mb}M",
            "",
        ]))
        binary = clamd_binary()
        if binary is None:
            raise RuntimeError("clamd is not installed (apt-get install clamav-daemon)")
        began = time.perf_counter()
        self.process = subprocess.Popen([binary, "--config-file", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"clamd did not start: {self.process.stderr.read().decode(errors='replace')}")
            if self.answers():
                self.started_in = time.perf_counter() - began
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("clamd did not answer within 30 s")

    def answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2)
                sock.connect(self.address)
                sock.sendall(b"zPING\0")
                return sock.recv(16).startswith(b"PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


# -- infected samples ----------------------------------------------------------------------------

def eicar_zip() -> bytes:
    """The test file compressed inside a ZIP archive (clamd unpacks it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Unterlagen/rechnung.txt", EICAR)
    return out.getvalue()


def eicar_pdf() -> bytes:
    """A one-page PDF whose page content is the test file, compressed: the bytes appear nowhere
    in the file as such (clamd inflates the PDF's streams), and the portal's PDF checks alone
    would take it (no scripts, no attachments: tests prove it)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pikepdf.Stream(pdf, EICAR)
    out = io.BytesIO()
    pdf.save(out, compress_streams=True)
    data = out.getvalue()
    assert EICAR not in data, "the test file must be inside a compressed stream"
    return data


def without_scanner():
    """Settings that scan nothing and take files with a warning (development's fallback): for
    unit tests of the other document checks, which run without a clamd."""
    from portal.config import VirusScanSettings

    return VirusScanSettings(address="", when_unavailable="accept", timeout_seconds=5)
