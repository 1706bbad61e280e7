"""The stylesheet a page links is kept by browsers for a year, and sent compressed."""
from __future__ import annotations

import os
import re

import brotli
import pytest

from portal.assets import DIST, STATIC

# scripts/setup builds portal/static_dist; CI always runs it, so there a missing build fails.
pytestmark = pytest.mark.skipif(not (DIST / "manifest.json").is_file() and not os.environ.get("CI"),
                                reason="portal/static_dist not built (scripts/setup)")


def test_the_linked_stylesheet_is_immutable_and_compressed(client, sites):
    page = client.get("/de/").get_data(as_text=True)
    href = re.search(r'href="(/static/vendor/kern/kern\.min\.[0-9a-f]{12}\.css)"', page).group(1)
    answer = client.get(href, headers={"Accept-Encoding": "br, gzip"})
    assert answer.status_code == 200
    assert "immutable" in answer.headers["Cache-Control"]
    assert "max-age=31536000" in answer.headers["Cache-Control"]
    assert answer.headers["Content-Encoding"] == "br"
    original = (STATIC / "vendor" / "kern" / "kern.min.css").read_bytes()
    sent = brotli.decompress(answer.get_data())
    assert sent == original  # KERN's stylesheet names no files of ours: unchanged
    assert len(answer.get_data()) < len(original) / 5


def test_a_plain_name_is_still_served(client):
    answer = client.get("/static/css/portal.css")
    assert answer.status_code == 200
    assert "immutable" not in answer.headers.get("Cache-Control", "")
