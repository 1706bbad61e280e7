"""Where documents are rendered: a process of their own beside each server or worker process.

WeasyPrint drives Pango and HarfBuzz through cffi. In a threaded server, a Pango object freed by
the garbage collector in one request's thread while another thread renders can crash the whole
process (seen here under load as SIGSEGV of a gunicorn worker; Kozea/WeasyPrint#1402 and others).
So this process never loads WeasyPrint: it hands the HTML to one renderer process
(`python -m portal.pdf.render_server`, started on first use), which renders one document at a
time and sends the PDF back. A renderer that dies is replaced and the document tried once more;
the server process lives on. The renderer ends when its parent's pipe closes.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from portal.pdf.render_server import read_message, write_message

log = logging.getLogger(__name__)
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding `portal`

_lock = threading.Lock()
_process: subprocess.Popen | None = None


class RenderError(RuntimeError):
    """The document could not be rendered (its error, or the renderer died twice on it)."""


def render_pdf(html: str, *, forms: bool = False) -> bytes:
    """The HTML document (with <html lang dir> and <title>) as tagged PDF/UA-1 bytes (portal.pdf.weasy).
    `forms`: turn <input>, <textarea> and <select> into AcroForm fields."""
    return _call(html, forms)[0]


def render_pdf_with_anchors(html: str) -> tuple[bytes, dict[str, int], int]:
    """The PDF, the page (0-based) each element with an id starts on, and the page count."""
    return _call(html, False)


def warm_up() -> None:
    """Start the renderer and let it load fonts and stylesheet (about a second) before a server
    takes its first request (portal/__init__.py for `flask run`, wsgi.py for gunicorn)."""
    render_pdf('<html lang="de"><head><title>-</title></head><body><p>Ä ب</p></body></html>')


def _start() -> subprocess.Popen:
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "portal.pdf.render_server"],  # noqa: S603 - our own module
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environ, close_fds=True)


def _call(html: str, forms: bool):
    global _process
    with _lock:  # one document at a time per renderer
        for attempt in (1, 2):
            if _process is None or _process.poll() is not None:
                _process = _start()
            try:
                write_message(_process.stdin, (html, forms))
                answer = read_message(_process.stdout)
            except (BrokenPipeError, OSError):
                answer = None
            if answer is None:  # the renderer died: a new one, once
                log.warning("the PDF renderer process ended (exit %s); starting another", _process.poll())
                _stop(_process)
                _process = None
                continue
            status, result = answer
            if status != "ok":
                raise RenderError(result)
            return result
    raise RenderError("the PDF renderer process died twice on this document")


def _stop(process: subprocess.Popen) -> None:
    for stream in (process.stdin, process.stdout):
        try:
            stream.close()
        except OSError:
            pass
    try:
        process.kill()
        process.wait(5)
    except (OSError, subprocess.TimeoutExpired):
        pass
