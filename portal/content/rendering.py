"""Markdown written by editors → HTML that is safe to put into a public page.

Two locks, not one: markdown-it renders with raw HTML switched off (an editor's `<script>` comes
out as visible text), and its output is then cleaned by nh3 (ammonia) against an allow-list.
Links may go to http(s), mailto or relative addresses; images only to our own media URL; no
style, class or event attribute survives, so the pages need nothing the strict CSP forbids.
"""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# The public address of uploaded content media; editors write `media:<token>`.
MEDIA_PREFIX = "/media/"
MEDIA_SCHEME = "media:"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,32}")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "ul", "ol", "li", "blockquote",
    "code", "pre", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"scope"},
                      "td": {"data-label"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with what they contain (the rest keep their text when their tag goes).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math", "template",
                        "noscript", "textarea", "select", "frame", "frameset", "noembed"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def media_url(token: str) -> str:
    return f"{MEDIA_PREFIX}{token}"


def _rewrite_media(url: str) -> str:
    """`media:<token>` → our media URL; anything else unchanged (the cleaner judges it)."""
    if url.startswith(MEDIA_SCHEME):
        token = url[len(MEDIA_SCHEME):]
        return media_url(token) if _TOKEN.fullmatch(token) else ""
    return url


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Images only from our own media store: no tracking pixels, no data: or remote images.
        token = value[len(MEDIA_PREFIX):] if value.startswith(MEDIA_PREFIX) else ""
        return value if _TOKEN.fullmatch(token) else None
    if tag == "a" and attribute == "href":
        stripped = value.strip()
        # Scheme-relative URLs ("//host") leave the site while looking relative.
        return None if stripped.startswith(("//", "\\")) or not stripped else value
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    attribute_filter=_filter_attribute,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize(html: str) -> str:
    """Clean HTML of any origin against the allow-list."""
    return _cleaner.clean(html)


def render_markdown(text: str) -> Markup:
    """Markdown → sanitised HTML, ready for a template."""
    if not text or not text.strip():
        return Markup("")
    tokens = _markdown.parse(text)
    _label_table_cells(tokens)
    for token in tokens:
        if token.type == "heading_open" and token.tag == "h1":
            # The page title is the only h1; editors' top headings become h2.
            token.tag = "h2"
        elif token.type == "heading_close" and token.tag == "h1":
            token.tag = "h2"
        for child in token.children or ():
            if child.type == "image":
                child.attrSet("src", _rewrite_media(str(child.attrGet("src") or "")))
            elif child.type == "link_open":
                child.attrSet("href", _rewrite_media(str(child.attrGet("href") or "")))
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return Markup(sanitize(html))  # noqa: S704  (cleaned by nh3 just here)


def _label_table_cells(tokens) -> None:
    """Each table cell carries its column's heading (data-label): on a narrow screen the rows
    are shown as blocks, each cell headed by it (portal.css)."""
    headings: list[str] = []
    column, in_head = 0, False
    for index, token in enumerate(tokens):
        if token.type == "thead_open":
            headings, in_head = [], True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            column = 0
        elif token.type == "th_open" and in_head:
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            headings.append(inline.content.strip() if inline is not None and inline.type == "inline" else "")
        elif token.type == "td_open":
            if column < len(headings) and headings[column]:
                token.attrSet("data-label", headings[column])
            column += 1


def media_tokens(text: str) -> set[str]:
    """The media an item's Markdown refers to."""
    return {match for match in re.findall(r"media:([A-Za-z0-9_-]{8,32})", text or "")}
