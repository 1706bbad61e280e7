"""Translations: `update` extracts the strings and merges them into every catalogue,
`compile` builds the .mo files.

Two catalogues (domains): `messages` holds what applicants see, in all seven languages;
`backoffice` holds back-office strings, in German and English only. English is the source
language (message ids are English), so its catalogues are filled from the ids here.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
sys.path.insert(0, str(ROOT))
from portal.config import BACKOFFICE_LANGUAGES, LANGUAGES  # noqa: E402

DOMAINS = {
    # domain: (languages, extra pybabel extract arguments)
    "messages": (LANGUAGES, ["--ignore-dirs", "backoffice matching casefiles casework authoring", "portal"]),
    # Back-office only: views, templates, matching reasons, case-file and casework rules, making forms.
    "backoffice": (BACKOFFICE_LANGUAGES, ["portal/backoffice", "portal/templates/backoffice", "portal/matching",
                                          "portal/casefiles", "portal/casework", "portal/forms/authoring"]),
}


def pybabel(*args: str) -> None:
    exe = Path(sys.executable).with_name("pybabel")
    # Our own pybabel beside this interpreter, with arguments from this script only.
    subprocess.run([str(exe), "-q", *args], check=True, cwd=ROOT)  # noqa: S603


def extract(domain: str, pot: Path | None = None) -> Path:
    """Write the domain's template (.pot) from the source; returns its path."""
    pot = pot or TRANSLATIONS / f"{domain}.pot"
    _, sources = DOMAINS[domain]
    pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_ngettext:1,2", "--no-location", "--sort-output",
            "--project", "portal", "-o", str(pot), *sources)
    return pot


def fill_english(po_path: Path) -> None:
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(message.id[0] if i == 0 else message.id[1] for i in range(2))
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with po_path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, width=100)


def update() -> None:
    for domain, (languages, _) in DOMAINS.items():
        pot = extract(domain)
        for lang in languages:
            po = TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                pybabel("update", "-D", domain, "-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang,
                        "--no-fuzzy-matching", "--ignore-obsolete", "-w", "100")
            else:
                pybabel("init", "-D", domain, "-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang, "-w", "100")
            if lang == "en":
                fill_english(po)
        pot.unlink()


def compile_all() -> None:
    for domain in DOMAINS:
        pybabel("compile", "-D", domain, "-d", str(TRANSLATIONS), "--statistics")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    else:
        print("usage: python scripts/i18n.py update|compile", file=sys.stderr)
        sys.exit(2)
