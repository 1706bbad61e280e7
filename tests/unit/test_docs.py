"""What the README and docs/ tell people is true of the code: every PORTAL_* setting the
portal reads has its row in docs/configuration.md (PORTAL_ALTCHA_* were missing once), and
every portal address they name is a route (the README named /backoffice/two-factor, which was
never one)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Addresses of the portal in backticks: `/backoffice/…`, `/de/…`, `/healthz` and the like.
_ADDRESS = re.compile(r"`(/(?:backoffice|de|en|uk|ru|ar|tr|fa|dev|healthz|readyz|metrics)\b[^`\s]*)`")


def _read_settings() -> set[str]:
    """Every PORTAL_* variable the code reads (config.py reads them all, by name)."""
    source = "\n".join(p.read_text() for p in (ROOT / "portal").rglob("*.py"))
    return set(re.findall(r"""["'](PORTAL_[A-Z0-9_]+)["']""", source))


def _documented() -> str:
    table = (ROOT / "docs" / "configuration.md").read_text()
    # A row may name siblings as `PORTAL_IMAP_FOLDER`, `_PROCESSED_FOLDER`: expand them.
    for prefix_name, rest in re.findall(r"`(PORTAL_[A-Z0-9_]+?)_[A-Z0-9]+`((?:, `_[A-Z0-9_]+`)+)", table):
        table += " " + " ".join(f"{prefix_name}{suffix}" for suffix in re.findall(r"`(_[A-Z0-9_]+)`", rest))
    return table


def test_every_setting_is_documented():
    read = _read_settings()
    assert {"PORTAL_ALTCHA_ENABLED", "PORTAL_CLAMD_ADDRESS", "PORTAL_SECRET_KEY"} <= read  # the search works
    table = _documented()
    missing = sorted(name for name in read if not re.search(rf"`{name}`|{name}\b", table))
    assert missing == []


def _addresses() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for address in _ADDRESS.findall(path.read_text()):
            found.append((path.name, address.rstrip(".,;:")))
    return found


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    from portal.config import load_settings
    from tests.support.app_factory import app_for

    directory = tmp_path_factory.mktemp("docs-app")
    load_settings(directory, {"PORTAL_SECRET_KEY": "d" * 40})
    app = app_for({"PORTAL_SECRET_KEY": "d" * 40, "PORTAL_DATABASE_URL": f"sqlite:///{directory}/x.sqlite3",
                   "PORTAL_STORAGE_DIR": str(directory / "storage"),
                   "PORTAL_DEV_MAILBOX_DIR": str(directory / "mailbox")})
    return app.url_map.bind("localhost")


def test_every_address_in_the_docs_is_a_route(routes):
    addresses = _addresses()
    assert ("README.md", "/backoffice/account/two-factor") in addresses  # the search works
    wrong = []
    for document, address in addresses:
        path = re.sub(r"<[^>]+>", "WZ-2022-00017", address.split("?")[0])
        try:
            routes.match(path, method="GET")
        except (MethodNotAllowed, RequestRedirect):
            continue  # there, for POST only, or with a trailing slash
        except NotFound:
            wrong.append((document, address))
    assert wrong == []
