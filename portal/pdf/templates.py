"""The HTML templates of the printed documents (portal/templates/pdf/), rendered without Flask:
every text comes in with the data, already translated, so the back office's and the
applicant's documents share one way of being made. Autoescaped: what applicants type is text."""
from __future__ import annotations

import base64
from urllib.parse import quote
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "pdf"
RTL_LANGUAGES = frozenset({"ar", "fa"})


def text_dir(text: str, default: str = "ltr") -> str:
    """The direction of a value by its first strong letter (what dir="auto" does in a browser)."""
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return default


def page_dir(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def css_string(text: str) -> str:
    """A CSS string literal of any text (for generated content such as page footers)."""
    escaped = "".join(char if char.isalnum() or char in " .,:;-–·/()" else f"\\{ord(char):x} " for char in text)
    return f'"{escaped}"'


def page_counter_css(label: str) -> str:
    """CSS `content` for a "Page %(page)s of %(pages)s" label in any language."""
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", label):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts) or '""'


TICK_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M1.5 5.2 4 7.8 8.6 2.2" '
            'fill="none" stroke="#000" stroke-width="1.4"/></svg>')


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


QR_SCHEME = "portal-qr:"


def qr_src(value: str) -> str:
    """<img src> of the QR code of `value` (the img's alt text describes it): made by the renderer
    (portal.pdf.weasy), not here. The receipt's HTML is stored while the applicant waits for the
    answer to submitting, and choosing the QR code's mask is the slowest part of making it."""
    return QR_SCHEME + quote(value, safe="")


@lru_cache(maxsize=1)
def document_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["text_dir"] = text_dir
    env.globals.update(page_dir=page_dir, qr_src=qr_src)
    return env


def render_html(name: str, **context) -> str:
    return document_environment().get_template(name).render(**context)
