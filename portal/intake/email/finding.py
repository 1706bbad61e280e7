"""Reference numbers and file numbers in a message's subject and text.

A reference counts only when its check digit is right (portal.intake.references), so a
mistyped one links nothing; the caller still checks that it exists. File numbers have the
form of portal.casefiles.operations.next_file_number (`WZ-2022-00017`); the caller looks them up.
"""
from __future__ import annotations

import re

from portal.intake.references import InvalidReference, parse_reference

# Separators as people type them: hyphen, en dash, space, underscore, nothing.
_SEP = r"[\s\-\u2010-\u2013_]*"
_REFERENCE = re.compile(rf"(?<![A-Za-z0-9])ABH{_SEP}(\d{{4}}){_SEP}(\d{{6,}}){_SEP}(\d)(?!\d)", re.IGNORECASE)
_FILE_NUMBER = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z]{2,5})[\-\u2010-\u2013](\d{4})[\-\u2010-\u2013](\d{5})(?!\d)")


def find_references(*texts: str) -> list[str]:
    """Valid references in order of appearance, each once."""
    found: list[str] = []
    for text in texts:
        for match in _REFERENCE.finditer(text or ""):
            try:
                reference = parse_reference("ABH-{}-{}-{}".format(*match.groups()))
            except InvalidReference:
                continue
            if reference not in found:
                found.append(reference)
    return found


def find_file_numbers(*texts: str) -> list[str]:
    """Strings in the form of a file number (upper case), in order of appearance, each once."""
    found: list[str] = []
    for text in texts:
        for match in _FILE_NUMBER.finditer(text or ""):
            site, year, number = match.groups()
            if site.upper() == "ABH":
                continue  # the start of a reference, never a site
            candidate = f"{site.upper()}-{year}-{number}"
            if candidate not in found:
                found.append(candidate)
    return found
