"""The person of a case file as caseworkers read it: names in any script with a Latin
transliteration beside the non-Latin ones, the date of birth in register notation
(00.03.1987), the nationality by its German name."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from portal.forms.countries import country_name
from portal.models import CaseFile


def is_latin(text: str) -> bool:
    """True when every letter of the text is a Latin letter (accents included: Yılmaz, Ayşe)."""
    return all(unicodedata.name(char, "").startswith("LATIN") for char in text if char.isalpha())


def latin_beside(text: str) -> str:
    """A Latin transliteration of a name in another script ("Sergei / Sergey" when there is more
    than one usual spelling); "" for Latin names, and when portal.matching.names is not there
    or fails."""
    if not text or is_latin(text):
        return ""
    try:
        from portal.matching.names import transliterate
    except ImportError:
        return ""
    try:
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


@dataclass(frozen=True)
class Alias:
    surname: Name
    given_names: Name
    source: str = ""


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

    @property
    def full_name(self) -> str:
        return ", ".join(part for part in (self.surname.text, self.given_names.text) if part)


def _name(text: str) -> Name:
    return Name(text or "", latin_beside(text or ""))


def person_of(case_file: CaseFile) -> Person:
    code = case_file.nationality or ""
    return Person(
        surname=_name(case_file.surname),
        given_names=_name(case_file.given_names),
        birth_name=_name(case_file.birth_name),
        date_of_birth=case_file.date_of_birth.german() if case_file.dob_year else "",
        place_of_birth=case_file.place_of_birth or "",
        nationality_code=code,
        nationality=country_name(code, "de") if code else "",
        aliases=[Alias(_name(alias.surname), _name(alias.given_names), alias.source or "")
                 for alias in case_file.aliases],
    )
