"""What a score means: a labelled set of searches and the table score band → share correct.

The office's case files are made-up people (portal.demo.people: Ukrainian, Syrian, Afghan,
Russian, Turkish, Polish, Romanian and Kosovar names in their scripts and Latin spellings,
some dates of birth known only by year or month), and to them the set adds the people that make
matching hard: twins (same surname, same complete date of birth, another given name),
strangers born on the same day, and namesakes born in the same year. Each search knows which
file is the person's, or that none is:

    file spelling   the names as the file has them, a full date of birth
    script          the names in the other script (Шевченко / Shevchenko, محمد / Mohammad)
    other spelling  another usual spelling (Schewtschenko, Mohamed El Hasan)
    swapped         surname and given names swapped
    typo            one letter of the surname wrong
    year only       only the year of birth (00.00.1987)
    month only      year and month (00.03.1987)
    other nation    the person with another nationality than the file's
    other place     the person with another place of birth than the file's
    twin            one of two twins; the other twin's file is a wrong candidate
    same birthday   the person, with strangers born on the same day in the office
    namesake        the person, with a namesake born in the same year in the office
    new person      somebody the office has no file of: every candidate is wrong
    new, year only  the same, with only the year of birth known

`benchmarks/matching.py` runs it on a large office and prints the table (docs/figures.md);
`tests/integration/test_matching_calibration.py` runs a small one with a bound on the error
rate. The ranking itself is portal.matching.candidates.find_candidates, unchanged.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from portal.demo.people import NATIONALITIES, DemoPerson, demo_people
from portal.domain.dates import PartialDate

BANDS = [(0.3, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0001)]
KINDS = ["file spelling", "script", "other spelling", "swapped", "typo", "year only", "month only",
         "other nation", "other place", "twin", "same birthday", "namesake", "new person", "new, year only"]

# Twins' given names that are close in writing (the hard case) and ones drawn from the pools.
_TWIN_NAMES = {
    "SYR": [(("حسن", "Hasan"), ("حسين", "Hussein")), (("محمد", "Mohammad"), ("محمود", "Mahmoud")),
            (("أحمد", "Ahmad"), ("محمد", "Mohammad"))],
    "AFG": [(("حسن", "Hasan"), ("حسین", "Hossein")), (("محمد", "Mohammad"), ("احمد", "Ahmad"))],
    "UKR": [(("Олександр", "Oleksandr"), ("Олексій", "Oleksii")), (("Іван", "Ivan"), ("Іванна", "Ivanna"))],
    "RUS": [(("Александр", "Aleksandr"), ("Алексей", "Aleksei"))],
}


@dataclass(frozen=True)
class LabelledSearch:
    kind: str
    target: str | None       # the file number of the person's file; None: the office has none
    search: dict             # keyword arguments of find_candidates


@dataclass
class Band:
    low: float
    high: float
    candidates: int = 0
    correct: int = 0

    @property
    def share(self) -> float | None:
        return self.correct / self.candidates if self.candidates else None

    @property
    def label(self) -> str:
        return f"{self.low:.2f}–{min(self.high, 1.0):.2f}"


@dataclass
class LabelledOffice:
    people: list[DemoPerson]
    searches: list[LabelledSearch]
    twins: list[tuple[str, str]] = field(default_factory=list)  # file numbers of twin pairs


def _spellings(person: DemoPerson) -> tuple[tuple[str, str], tuple[str, str]]:
    """(spelling as filed, the other one: the other script or Latin spelling)."""
    filed = (person.surname, person.given_names)
    other = person.aliases[0] if person.aliases else filed
    return filed, other


def _latin(person: DemoPerson) -> tuple[str, str]:
    for surname, given in [(person.surname, person.given_names), *person.aliases]:
        if all(ch.isascii() for ch in surname + given if ch.isalpha()):
            return surname, given
    return person.surname, person.given_names


def _full_date(rng: random.Random, dob: PartialDate) -> PartialDate:
    """A complete date that the (maybe partial) date of birth could be."""
    month = dob.month or rng.randint(1, 12)
    return PartialDate(dob.year, month, dob.day or rng.randint(1, 28))


def _typo(rng: random.Random, text: str) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 5:
        return text
    i = rng.choice(letters[1:-1])
    replacement = rng.choice([ch for ch in "aeiourn" if ch != text[i].lower()])
    return text[:i] + replacement + text[i + 1:]


def german_style(text: str) -> str:
    """How older German files spelled Cyrillic names: Schewtschenko, Jurij."""
    return (text.replace("sh", "sch").replace("Sh", "Sch").replace("ch", "tsch").replace("v", "w")
            .replace("kh", "ch").replace("Y", "J").replace("y", "j"))


def arabic_style(text: str) -> str:
    """Another usual Latin spelling of an Arabic name: Mohamed El Hasan."""
    for old, new in (("Mohammad", "Mohamed"), ("Al-", "El "), ("Ahmad", "Ahmed"), ("ss", "s"), ("ou", "u"),
                     ("Hasan", "Hassan"), ("ee", "i"), ("Youssef", "Yusuf"), ("Yousef", "Yusuf")):
        text = text.replace(old, new)
    return text


def varied_name(rng: random.Random, person: DemoPerson, kind: str, name: tuple[str, str],
                dob: PartialDate) -> tuple[str, str, PartialDate] | None:
    """Surname, given names and date of birth as a caller or a form gives them for `person`,
    starting from `name` and `dob` and varied the way `kind` says; None for kinds that need more
    than the person (twins, strangers, namesakes). Shared by the calibration and
    benchmarks/matching.py."""
    surname, given = name
    if kind == "script":
        filed, other = _spellings(person)
        surname, given = other if name == filed else filed
    elif kind == "other spelling":
        latin_surname, latin_given = _latin(person)
        style = arabic_style if person.nationality in ("SYR", "AFG") else german_style
        surname, given = style(latin_surname), style(latin_given)
    elif kind == "swapped":
        surname, given = given, surname
    elif kind == "typo":
        surname = _typo(rng, surname)
    elif kind == "year only":
        dob = PartialDate(person.date_of_birth.year)
    elif kind == "month only":
        dob = PartialDate(person.date_of_birth.year, person.date_of_birth.month or rng.randint(1, 12))
    elif kind != "file spelling":
        return None
    return surname, given, dob


def _pools():
    return {code: data for code, _, data, _ in NATIONALITIES}


def labelled_office(count: int, searches: int, seed: int = 21) -> LabelledOffice:
    """`count` people of the office plus the hard cases, and `searches` labelled searches
    (the kinds in turn, people drawn at random)."""
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    people = demo_people(count, seed=seed)
    pools = _pools()
    next_number = [count]

    def added(person: DemoPerson, **changes) -> DemoPerson:
        next_number[0] += 1
        number = f"{person.site_code}-2099-{next_number[0]:05d}"
        extra = replace(person, file_number=number, aliases=list(changes.pop("aliases", person.aliases)), **changes)
        people.append(extra)
        return extra

    office = LabelledOffice(people, [])
    base = list(people)
    for index in range(searches):
        kind = KINDS[index % len(KINDS)]
        person = rng.choice(base)
        filed, _ = _spellings(person)
        surname, given = filed
        dob = _full_date(rng, person.date_of_birth)
        nationality = person.nationality if rng.random() < 0.6 else ""
        place = person.place_of_birth if rng.random() < 0.5 else ""
        target: str | None = person.file_number
        varied = varied_name(rng, person, kind, filed, dob)
        if varied is not None:
            surname, given, dob = varied
        elif kind == "other nation":
            nationality = rng.choice([code for code in pools if code != person.nationality])
        elif kind == "other place":
            places = pools.get(person.nationality, pools["UKR"])[3]
            place = rng.choice([p for p in places if p != person.place_of_birth] or ["Berlin"])
        elif kind == "twin":
            # Twins born to a family the office did not know yet, both with a file now.
            parent = demo_people(1, seed=rng.randrange(10**9))[0]
            (surname, _), (other_surname, _) = _spellings(parent)
            pairs = _TWIN_NAMES.get(parent.nationality)
            if pairs:
                first, second = rng.choice(pairs)
            else:
                first, second = rng.sample(pools[parent.nationality][1] + pools[parent.nationality][2], 2)
            script = 0 if not all(ch.isascii() for ch in parent.given_names if ch.isalpha()) else 1
            dob = _full_date(rng, parent.date_of_birth)
            twin_a, twin_b = (added(parent, given_names=name[script], date_of_birth=dob,
                                    aliases=[(other_surname, name[1 - script])] if parent.aliases else [])
                              for name in (first, second))
            office.twins.append((twin_a.file_number, twin_b.file_number))
            given, target = twin_a.given_names, twin_a.file_number
            nationality = parent.nationality if rng.random() < 0.6 else ""
            place = parent.place_of_birth if rng.random() < 0.5 else ""
        elif kind == "same birthday":
            if not person.date_of_birth.is_complete:
                person.date_of_birth = dob
            for _ in range(3):
                stranger = rng.choice(base)
                names = {stranger.surname, stranger.given_names, *_latin(stranger)}
                if names & {person.surname, person.given_names, *_latin(person)}:
                    continue  # a stranger: neither name the person's (nor the person)
                added(stranger, date_of_birth=person.date_of_birth)
            dob = person.date_of_birth
        elif kind == "namesake":
            other_day = _full_date(rng, PartialDate(dob.year))
            if other_day == dob:
                other_day = PartialDate(dob.year, dob.month, dob.day % 28 + 1)
            added(person, date_of_birth=other_day, place_of_birth=person.place_of_birth)
        elif kind in ("new person", "new, year only"):
            stranger = demo_people(1, seed=rng.randrange(10**9))[0]
            (surname, given), _ = _spellings(stranger)
            dob = _full_date(rng, stranger.date_of_birth) if kind == "new person" else PartialDate(
                stranger.date_of_birth.year)
            nationality = stranger.nationality if rng.random() < 0.6 else ""
            place = stranger.place_of_birth if rng.random() < 0.5 else ""
            target = None
        search = {"surname": surname, "given_names": given, "date_of_birth": dob, "nationality": nationality,
                  "place_of_birth": place}
        office.searches.append(LabelledSearch(kind, target, search))
    return office


def insert_people(session, people: Iterable[DemoPerson], batch: int = 5000) -> None:
    """The people as case files (and their known spellings) with their name keys; the sites
    of portal.demo must exist."""
    from sqlalchemy import insert, select

    from portal.matching.index import reindex_all
    from portal.models import CaseFile, CaseFileAlias, Site

    people = list(people)
    sites = {s.code: s.id for s in session.scalars(select(Site))}
    now = datetime.now(timezone.utc)
    for start in range(0, len(people), batch):
        session.execute(insert(CaseFile), [
            {"file_number": p.file_number, "surname": p.surname, "given_names": p.given_names,
             "birth_name": p.birth_name, "dob_year": p.date_of_birth.year, "dob_month": p.date_of_birth.month,
             "dob_day": p.date_of_birth.day, "place_of_birth": p.place_of_birth, "nationality": p.nationality,
             "site_id": sites[p.site_code], "status": "active", "retention_rule": "standard",
             "created_at": now, "updated_at": now} for p in people[start:start + batch]])
    session.commit()
    ids = dict(session.execute(select(CaseFile.file_number, CaseFile.id)).all())
    aliases = [{"case_file_id": ids[p.file_number], "surname": s, "given_names": g, "source": "calibration",
                "kind": "other", "created_at": now} for p in people for s, g in p.aliases]
    for start in range(0, len(aliases), batch):
        session.execute(insert(CaseFileAlias), aliases[start:start + batch])
    session.commit()
    reindex_all(session, batch=2000)


@dataclass
class Calibration:
    bands: list[Band]
    searches: int
    top_wrong: int           # searches whose best candidate was a wrong file
    twins_both_certain: int  # twin pairs whose files were both at or above `certain`
    certain: float

    @property
    def certain_precision(self) -> float | None:
        """The share of right ones among candidates at or above `certain`."""
        candidates = sum(b.candidates for b in self.bands if b.low >= self.certain)
        correct = sum(b.correct for b in self.bands if b.low >= self.certain)
        return correct / candidates if candidates else None

    def error_free_from(self) -> float | None:
        """The lowest band start from which on no band holds a wrong candidate."""
        floor = None
        for band in reversed(self.bands):
            if band.candidates and band.correct < band.candidates:
                break
            floor = band.low
        return floor

    def table(self) -> list[str]:
        lines = ["score band   candidates   right   share right"]
        for band in self.bands:
            share = f"{band.share * 100:6.1f} %" if band.share is not None else "      –"
            lines.append(f"{band.label:11}  {band.candidates:10d}  {band.correct:6d}   {share}")
        return lines


def calibrate(session, office: LabelledOffice, *, certain: float = 0.9, limit: int = 10,
              on_search=None) -> Calibration:
    """Run every search of the set and count, per score band, the candidates and the right ones."""
    from portal.matching.candidates import find_candidates

    bands = [Band(low, high) for low, high in BANDS]
    top_wrong = 0
    twin_of = {a: b for a, b in office.twins} | {b: a for a, b in office.twins}
    twins_both = 0
    for labelled in office.searches:
        found = find_candidates(session, limit=limit, **labelled.search)
        if on_search is not None:
            on_search(labelled, found)
        if found and found[0].case_file.file_number != labelled.target:
            top_wrong += 1
        scores = {c.case_file.file_number: c.score for c in found}
        for candidate in found:
            right = candidate.case_file.file_number == labelled.target
            for band in bands:
                if band.low <= candidate.score < band.high:
                    band.candidates += 1
                    band.correct += right
        if labelled.kind == "twin" and labelled.target in twin_of:
            if scores.get(labelled.target, 0) >= certain and scores.get(twin_of[labelled.target], 0) >= certain:
                twins_both += 1
        session.expunge_all()
    return Calibration(bands, len(office.searches), top_wrong, twins_both, certain)
