"""A server process is ready before its first request (portal.warm): the modules requests import
on first use loaded, every template compiled, and WeasyPrint still out of the process."""
from __future__ import annotations

import subprocess
import sys

from tests.support.helpers import ROOT

CHECK = """
import sys
from portal import create_app
from portal.pdf.templates import document_environment
from portal.warm import compile_templates, import_request_modules

app = create_app()
modules = import_request_modules()
compiled = compile_templates(app)
pages = app.jinja_env.cache
print(len(modules), compiled, 'portal.appointments.ics' in sys.modules, 'weasyprint' in sys.modules,
      any(key[1] == 'public/appointments/taken.html' for key in pages.keys()),
      len(document_environment().cache) > 0)
"""


def test_the_warm_up_loads_modules_and_templates_but_not_weasyprint():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=True,
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PORTAL_ENV": "development"})
    modules, compiled, ics, weasyprint, taken, documents = result.stdout.split()
    assert int(modules) > 100 and int(compiled) > 100
    assert (ics, weasyprint, taken, documents) == ("True", "False", "True", "True")
