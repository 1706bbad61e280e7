"""The person of a case file as caseworkers read it: names in any script with a Latin form
beside the non-Latin ones (the passport's spelling when the office recorded it), the date of
birth in register notation (00.03.1987), the nationality by its German name, the known
spellings with their kinds."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from portal.forms.countries import country_name
from portal.models import CaseFile, SpellingKind


def is_latin(text: str) -> bool:
    """True when every letter of the text is a Latin letter (accents included: Yılmaz, Ayşe)."""
    return all(unicodedata.name(char, "").startswith("LATIN") for char in text if char.isalpha())


def latin_beside(text: str) -> str:
    """The Latin form shown beside a name, a place or an address in another script; "" for
    Latin text, and when portal.matching is not there or fails.

    Arabic and Persian script as a passport would most likely write it (portal.matching.
    romanise: محمد علي → "Mohammad Ali"); a word no name list knows is given letter by letter
    after ICAO 9303 and marked ≈ ("≈Kntdrs"). Cyrillic and Greek by ICAO 9303 and the national
    systems, "Sergei / Sergey" when there is more than one usual spelling."""
    if not text or is_latin(text):
        return ""
    try:
        from portal.matching.names import transliterate
        from portal.matching.romanise import has_arabic_script, romanise
    except ImportError:
        return ""
    try:
        if has_arabic_script(text):
            return romanise(text).latin
        latin = transliterate(text)
    except Exception:  # a name that cannot be transliterated still shows as written
        return ""
    # The matcher gives lower-case variants (Сергей → sergei, sergey); shown capitalised as names are.
    variants = [latin] if isinstance(latin, str) else list(latin or ())
    shown = [" ".join(word[:1].upper() + word[1:] for word in v.split()) for v in variants if v and v.strip()]
    return " / ".join(dict.fromkeys(shown))


@dataclass(frozen=True)
class Name:
    text: str
    latin: str = ""  # shown beside a non-Latin name

    @property
    def letter_by_letter(self) -> bool:
        """Part of the Latin form is only letter by letter (no known spelling: marked ≈)."""
        from portal.matching.romanise import FALLBACK_MARK

        return FALLBACK_MARK in self.latin


@dataclass(frozen=True)
class Alias:
    surname: Name
    given_names: Name
    source: str = ""
    kind: str = SpellingKind.OTHER
    id: int | None = None


@dataclass(frozen=True)
class Person:
    surname: Name
    given_names: Name
    birth_name: Name
    date_of_birth: str  # "00.03.1987"; "" when unknown
    place_of_birth: str
    nationality_code: str
    nationality: str  # German country name
    aliases: list[Alias] = field(default_factory=list)
    place_of_birth_latin: str = ""  # beside a place of birth in another script

    @property
    def passport(self) -> Alias | None:
        """The Latin spelling of the current passport, when the office recorded one."""
        return next((a for a in self.aliases if a.kind == SpellingKind.PASSPORT), None)

    @property
    def full_name(self) -> str:
        return ", ".join(part for part in (self.surname.text, self.given_names.text) if part)


def _name(text: str, passport: str = "") -> Name:
    """A name and its Latin form: the passport's spelling when recorded, else the romanisation."""
    text = text or ""
    if passport and text and not is_latin(text):
        return Name(text, passport)
    return Name(text, latin_beside(text))


def person_of(case_file: CaseFile) -> Person:
    code = case_file.nationality or ""
    passport = next((a for a in case_file.aliases if a.kind == SpellingKind.PASSPORT), None)
    return Person(
        surname=_name(case_file.surname, passport.surname if passport else ""),
        given_names=_name(case_file.given_names, passport.given_names if passport else ""),
        birth_name=_name(case_file.birth_name),
        date_of_birth=case_file.date_of_birth.german() if case_file.dob_year else "",
        place_of_birth=case_file.place_of_birth or "",
        nationality_code=code,
        nationality=country_name(code, "de") if code else "",
        aliases=[Alias(_name(alias.surname), _name(alias.given_names), alias.source or "", alias.kind, alias.id)
                 for alias in case_file.aliases],
        place_of_birth_latin=latin_beside(case_file.place_of_birth or ""),
    )


# -- a new case file, before it is opened -----------------------------------------------------

def person_of_submission(submission) -> dict:
    """The person as a submission has it, as CaseFile attributes (site_id aside): the applicant
    columns first, the form's fields where those are empty."""
    from portal.domain.dates import PartialDate
    from portal.matching.candidates import query_for_submission

    q = query_for_submission(submission)
    values = submission.field_values or {}
    return {"surname": q.surname[:200], "given_names": q.given_names[:200], "birth_name": q.birth_name[:200],
            "date_of_birth": q.date_of_birth or PartialDate(None),
            "place_of_birth": str(values.get("place_of_birth", "") or "")[:200],
            "nationality": q.nationality[:3]}


def _first_latin(text: str) -> str:
    """The spelling to propose for the passport: the first Latin form, without the ≈ mark."""
    from portal.matching.romanise import FALLBACK_MARK

    if not text or is_latin(text):
        return text or ""
    return latin_beside(text).split(" / ")[0].replace(FALLBACK_MARK, "")


def _other_spellings(surname: str, given_names: str, proposed: str) -> list[str]:
    """Other usual Latin spellings of the whole name ("Surname, Given names"), the likeliest first."""
    from portal.matching.names import transliterate
    from portal.matching.romanise import has_arabic_script, romanise

    def spellings(text: str) -> list[str]:
        if not text:
            return [""]
        if has_arabic_script(text):
            found = romanise(text)
            return list(found.spellings(6)) if found.known else [found.latin]
        if is_latin(text):
            return [text]
        return [" ".join(w[:1].upper() + w[1:] for w in v.split()) for v in transliterate(text)[:3]]

    combos = [f"{s}, {g}".strip(", ") for s in spellings(surname)[:4] for g in spellings(given_names)[:3]]
    return [c for c in dict.fromkeys(combos) if c != proposed][:8]


@dataclass(frozen=True)
class NewFileProposal:
    """What "open a new case file" shows before it opens one: the person as the submission has
    it, the passport's Latin spelling the office proposes (the caseworker corrects it from the
    passport) and other usual spellings of the name, which the matching finds the file under."""
    surname: Name
    given_names: Name
    birth_name: Name
    date_of_birth: str
    place_of_birth: Name
    nationality_code: str
    nationality: str
    passport_surname: str
    passport_given_names: str
    letter_by_letter: bool       # part of the proposal is letter by letter: read it off the passport
    in_other_script: bool        # the name is written in another script: kept as its script original
    other_spellings: list[str] = field(default_factory=list)


def new_file_proposal(submission) -> NewFileProposal:
    person = person_of_submission(submission)
    surname, given = _name(person["surname"]), _name(person["given_names"])
    passport_surname, passport_given = _first_latin(person["surname"]), _first_latin(person["given_names"])
    code = person["nationality"]
    return NewFileProposal(
        surname=surname, given_names=given, birth_name=_name(person["birth_name"]),
        date_of_birth=person["date_of_birth"].german() if person["date_of_birth"].year else "",
        place_of_birth=_name(person["place_of_birth"]), nationality_code=code,
        nationality=country_name(code, "de") if code else "",
        passport_surname=passport_surname, passport_given_names=passport_given,
        letter_by_letter=surname.letter_by_letter or given.letter_by_letter,
        in_other_script=not is_latin(person["surname"] + person["given_names"]),
        other_spellings=_other_spellings(person["surname"], person["given_names"],
                                         f"{passport_surname}, {passport_given}".strip(", ")))


def latin_name(case_file: CaseFile) -> str:
    """"Surname, Given names" in Latin letters for a name in another script (the passport's
    spelling when recorded, else the romanisation); "" for a Latin name."""
    text = ", ".join(part for part in (case_file.surname, case_file.given_names) if part)
    if not text or is_latin(text):
        return ""
    passport = next((a for a in case_file.aliases if a.kind == SpellingKind.PASSPORT), None)
    if passport is not None:
        return ", ".join(part for part in (passport.surname, passport.given_names) if part)
    return ", ".join(latin_beside(part) or part for part in (case_file.surname, case_file.given_names) if part)
