"""Known spellings of a case file's person (the same name in another script or another
transliteration), as the office tells them apart, each with its kind: the current passport's
Latin spelling, an earlier passport's, the birth name, the name in its own script, or one seen
elsewhere (a submission, an import). The matching and the lookup use every one of them.

Adding and removing a spelling with its audit entry is portal.casefiles.operations; this module
only decides what is new."""
from __future__ import annotations

from portal.matching.names import fold
from portal.models import CaseFile, CaseFileAlias, SpellingKind

# A spelling of these kinds is recorded even when the file knows the same letters already (as
# its own name or as a spelling seen elsewhere): that it is the passport's is news.
_DECLARED = frozenset({SpellingKind.PASSPORT, SpellingKind.EARLIER_PASSPORT, SpellingKind.BIRTH_NAME,
                       SpellingKind.SCRIPT_ORIGINAL})


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


def _same(alias: CaseFileAlias, spelling: tuple[str, str]) -> bool:
    return _spelling(alias.surname, alias.given_names) == spelling


def passport_spelling(case_file: CaseFile) -> CaseFileAlias | None:
    """The Latin spelling of the current passport, when the office recorded one."""
    return next((a for a in case_file.aliases if a.kind == SpellingKind.PASSPORT), None)


def add_spelling(case_file: CaseFile, surname: str, given_names: str, source: str = "",
                 kind: str = SpellingKind.OTHER) -> CaseFileAlias | None:
    """Add a known spelling unless the file knows it already (in either name order); returns
    the spelling added or given its kind, None when nothing changed.

    A spelling seen elsewhere (kind "other") is new only when the file has no such letters yet.
    A declared one (passport, earlier passport, birth name, script original) is new unless a
    spelling of that kind has the same letters; a spelling seen elsewhere with the same letters
    takes the declared kind instead of being added twice. A new passport spelling makes the
    previous one an earlier passport's."""
    surname, given_names = (surname or "").strip(), (given_names or "").strip()
    if not surname:
        return None
    kind = SpellingKind(kind)
    spelling = _spelling(surname, given_names)
    swapped = (spelling[1], spelling[0])
    if kind not in _DECLARED:
        known = known_spellings(case_file)
        if spelling in known or swapped in known:
            return None
        alias = CaseFileAlias(surname=surname[:200], given_names=given_names[:200], source=source[:40], kind=kind)
        case_file.aliases.append(alias)
        return alias
    if any(a.kind == kind and (_same(a, spelling) or _same(a, swapped)) for a in case_file.aliases):
        return None
    if kind == SpellingKind.PASSPORT:
        for previous in case_file.aliases:
            if previous.kind == SpellingKind.PASSPORT:
                previous.kind = SpellingKind.EARLIER_PASSPORT
    seen = next((a for a in case_file.aliases if a.kind == SpellingKind.OTHER and _same(a, spelling)), None)
    if seen is not None:
        seen.kind = kind
        seen.surname, seen.given_names = surname[:200], given_names[:200]  # as the document writes it
        return seen
    alias = CaseFileAlias(surname=surname[:200], given_names=given_names[:200], source=source[:40], kind=kind)
    case_file.aliases.append(alias)
    return alias
