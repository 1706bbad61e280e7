"""The renderer process (portal.pdf.renderer): documents are rendered outside the server process,
which never loads WeasyPrint, and a renderer that dies is replaced without losing the document."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from portal.pdf import renderer

DOCUMENT = '<html lang="uk"><head><title>Тест</title></head><body><h1>Шевченко</h1></body></html>'


def test_weasyprint_stays_out_of_the_calling_process():
    code = ("import sys; from portal.pdf.renderer import render_pdf; pdf = render_pdf(%r); "
            "print(pdf[:5].decode(), 'weasyprint' in sys.modules)" % DOCUMENT)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["%PDF-", "False"]


def test_a_renderer_that_died_is_replaced_and_the_document_made():
    renderer.render_pdf(DOCUMENT)
    old = renderer._process
    os.kill(old.pid, signal.SIGKILL)
    old.wait(10)
    assert renderer.render_pdf(DOCUMENT).startswith(b"%PDF-")
    assert renderer._process is not old and renderer._process.poll() is None


def test_a_document_that_cannot_be_rendered_fails_alone():
    with pytest.raises(renderer.RenderError, match="Error"):
        renderer.render_pdf('<html lang="de"><head><title>x</title></head><body>'
                            '<img src="https://example.org/remote.png" alt="x"></body></html>')
    assert renderer.render_pdf(DOCUMENT).startswith(b"%PDF-")  # the same renderer goes on


def test_the_renderer_ends_with_its_parent():
    code = ("import os; from portal.pdf import renderer; renderer.render_pdf(%r); "
            "print(renderer._process.pid, flush=True); os._exit(0)" % DOCUMENT)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    child = int(result.stdout.strip())
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        import time
        time.sleep(0.1)
    pytest.fail("the renderer outlived the process that started it")
