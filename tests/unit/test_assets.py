"""Static files under digest names: a changed file gets a new name; stylesheets follow their fonts."""
from __future__ import annotations

import brotli
import gzip
import json

from portal.assets import build


def _static(tmp_path, css_colour="#000"):
    static = tmp_path / "static"
    (static / "fonts" / "files").mkdir(parents=True)
    (static / "fonts" / "files" / "a.woff2").write_bytes(b"wOF2 font")
    (static / "fonts" / "fonts.css").write_text(
        '@font-face { src: url("./files/a.woff2") format("woff2"), url(files/a.woff2?v=1); }\n'
        f'body {{ color: {css_colour}; background: url("data:image/svg+xml,x"); }}\n' + "p { margin: 0; }\n" * 200)
    (static / "fonts" / "fonts.scss").write_text("// source, not served")
    return static


def test_every_file_gets_its_digest_name_and_a_changed_file_a_new_one(tmp_path):
    first = build(_static(tmp_path / "one"), tmp_path / "dist-one")
    second = build(_static(tmp_path / "two", css_colour="#111"), tmp_path / "dist-two")
    assert set(first) == {"fonts/files/a.woff2", "fonts/fonts.css"}  # the .scss source is left out
    assert first["fonts/files/a.woff2"] == second["fonts/files/a.woff2"]
    assert first["fonts/fonts.css"] != second["fonts/fonts.css"]
    assert json.loads((tmp_path / "dist-one" / "manifest.json").read_text()) == first


def test_stylesheets_point_at_the_digest_names_and_are_compressed_ahead(tmp_path):
    dist = tmp_path / "dist"
    manifest = build(_static(tmp_path), dist)
    font = manifest["fonts/files/a.woff2"].rsplit("/", 1)[1]
    css_path = dist / manifest["fonts/fonts.css"]
    css = css_path.read_text()
    assert f'url("./files/{font}")' in css and f"url(files/{font}?v=1)" in css
    assert 'url("data:image/svg+xml,x")' in css
    assert gzip.decompress(css_path.with_name(css_path.name + ".gz").read_bytes()).decode() == css
    assert brotli.decompress(css_path.with_name(css_path.name + ".br").read_bytes()).decode() == css
    assert not (dist / manifest["fonts/files/a.woff2"]).with_suffix(".woff2.gz").exists()  # woff2: packed already
