"""Text from mail bodies: HTML reduced to readable text, control characters removed.

The HTML is only read, never rendered: the stdlib parser collects text nodes, drops what
browsers do not show as text (script, style, head, templates) and turns block elements into
line breaks, so that a caseworker reads the message as the applicant wrote it.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "object", "iframe"}
_BLOCKS = {"p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table", "tr",
           "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "form",
           "fieldset", "figure", "figcaption", "main", "nav", "aside"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
# Everything but tab and newline from C0, DEL, C1; bidi overrides stay out of stored text too.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED and tag not in _VOID:
            self.skipping.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif self.skipping and tag in self.skipping:
            # Broken nesting: close up to the matching element.
            del self.skipping[self.skipping.index(tag):]
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    try:
        # An unterminated tag at the very end (a cut-off message) would come out as text.
        collector.feed(re.sub(r"<[^>]*\Z", "", html))
        collector.close()
    except Exception:  # noqa: S110 - a last guard against odd markup: keep what was read so far
        pass
    text = "".join(collector.parts)
    lines = []
    for line in text.splitlines():
        # Whitespace inside a line is layout in HTML; tabs from table cells become two spaces.
        line = " ".join(line.replace("\t", "  ").split(" "))
        lines.append(re.sub(r"[ \u00a0]+", " ", line).strip())
    return tidy("\n".join(lines))


def tidy(text: str) -> str:
    """Normalised line breaks, no control characters, at most one empty line in a row."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def bounded(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a line or word end where one is near, marked with …"""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for separator in ("\n", " "):
        position = cut.rfind(separator)
        if position > limit * 0.8:
            cut = cut[:position]
            break
    return cut.rstrip() + "…"
