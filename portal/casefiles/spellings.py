"""Known spellings of a case file's person (the same name in another script or another
transliteration), as the office tells them apart."""
from __future__ import annotations

from portal.matching.names import fold
from portal.models import CaseFile, CaseFileAlias


def _spelling(surname: str, given_names: str) -> tuple[str, str]:
    """A spelling as the office would tell it apart: case, accents, hyphens and spacing do not
    count (`AL-HASSAN` is `Al Hassan`), other letters or another script do."""
    def first(text: str) -> str:
        folded = fold(text or "")
        return folded[0] if folded else ""
    return first(surname), first(given_names)


def known_spellings(case_file: CaseFile) -> set[tuple[str, str]]:
    spellings = {_spelling(case_file.surname, case_file.given_names)}
    if case_file.birth_name:
        spellings.add(_spelling(case_file.birth_name, case_file.given_names))
    for alias in case_file.aliases:
        spellings.add(_spelling(alias.surname, alias.given_names))
        if not alias.given_names:
            spellings.add(_spelling(alias.surname, case_file.given_names))
    return spellings


def add_spelling(case_file: CaseFile, surname: str, given_names: str, source: str = "") -> CaseFileAlias | None:
    """Add a known spelling unless the file knows it already (in either name order)."""
    surname, given_names = (surname or "").strip(), (given_names or "").strip()
    if not surname:
        return None
    known = known_spellings(case_file)
    spelling = _spelling(surname, given_names)
    if spelling in known or (spelling[1], spelling[0]) in known:
        return None
    alias = CaseFileAlias(surname=surname[:200], given_names=given_names[:200], source=source[:40])
    case_file.aliases.append(alias)
    return alias
