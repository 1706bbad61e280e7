"""Static files for browsers to keep: each under a name with its content's digest
(kern.min.3f9a0c1b2d4e.css), compressed ahead (gzip and Brotli), and served by WhiteNoise with
`Cache-Control: max-age=31536000, immutable`. A changed file gets a new name, so a year of
caching never shows an old stylesheet; a browser asks for each file once, not on every page.

`build()` runs at set-up (scripts/vendor_assets.py) and writes portal/static_dist/ with
manifest.json (name → name with digest). Stylesheets point at the digest names of the fonts
and images they use. Without a build (a checkout not set up) pages link the plain files, which
Flask serves as before. The widget against bots (altcha) is linked by its plain names: its
modules find each other by them.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
DIST = Path(__file__).resolve().parent / "static_dist"
MANIFEST = "manifest.json"
_LEFT_OUT = {".scss", ".map"}
_COMPRESSED = {".css", ".js", ".svg", ".json", ".txt", ".woff"}  # woff2 is compressed already
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def digest_name(relative: str, content: bytes) -> str:
    path = Path(relative)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _css_with_digest_names(css: str, relative: str, manifest: dict[str, str]) -> str:
    folder = Path(relative).parent

    def swap(match: re.Match) -> str:
        quote, target = match.groups()
        if re.match(r"^(data:|[a-z]+:|/|#)", target):
            return match.group(0)
        plain, _, rest = target.partition("?")
        resolved = (folder / plain).as_posix()
        resolved = re.sub(r"(^|/)\./", r"\1", resolved)
        if resolved not in manifest:
            return match.group(0)
        swapped = plain[: len(plain) - len(Path(plain).name)] + Path(manifest[resolved]).name
        return f"url({quote}{swapped}{'?' + rest if rest else ''}{quote})"

    return _CSS_URL.sub(swap, css)


def build(static: Path = STATIC, dist: Path = DIST) -> dict[str, str]:
    """Write the digest-named, compressed copies and the manifest; returns the manifest."""
    import brotli

    if dist.exists():
        shutil.rmtree(dist)
    files = sorted(p for p in static.rglob("*") if p.is_file() and p.suffix not in _LEFT_OUT)
    manifest: dict[str, str] = {}
    # Stylesheets last: their content names the others' digest names.
    for path in sorted(files, key=lambda p: p.suffix == ".css"):
        relative = path.relative_to(static).as_posix()
        content = path.read_bytes()
        if path.suffix == ".css":
            content = _css_with_digest_names(content.decode("utf-8"), relative, manifest).encode("utf-8")
        named = digest_name(relative, content)
        manifest[relative] = named
        target = dist / named
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if path.suffix in _COMPRESSED:
            for suffix, packed in ((".gz", gzip.compress(content, 9, mtime=0)),
                                   (".br", brotli.compress(content, quality=11))):
                if len(packed) < len(content) * 0.95:
                    target.with_name(target.name + suffix).write_bytes(packed)
    (dist / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def init_app(app, dist: Path = DIST) -> None:
    """Serve the built files (when there is a build) and give templates `static_url(name)`."""
    from flask import url_for
    from whitenoise import WhiteNoise

    manifest_file = dist / MANIFEST
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.is_file() else {}
    if manifest:
        app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(dist), prefix="static/", autorefresh=False,
                                  max_age=365 * 24 * 3600, immutable_file_test=lambda _path, _url: True)

    def static_url(name: str) -> str:
        named = manifest.get(name)
        return f"{app.static_url_path}/{named}" if named else url_for("static", filename=name)

    app.jinja_env.globals["static_url"] = static_url
