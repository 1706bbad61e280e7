"""Candidate case files for a person: ranked, with a score from 0 to 1 and reasons in words.

Search works on indexed columns only, so that it stays fast with 500,000 files:

1. the file number, exact after normalising spacing and case (unique index);
2. the name keys (`CaseFileNameKey.key`, index): every key of the query's names (folded,
   transliterated, loosened, skeletons), whatever kind, so that swapped surname and given
   names are found too; grouped per file in the database and ranked there by what matched
   and whether the date of birth can be the same (the best `NAME_HITS` files go on);
3. the date of birth (`ix_case_file_birth`): files whose date "could be" the query's (same
   year; month and day equal or unknown on either side), for names too differently spelled
   to share a key (`Oleksandr` / `Aleksandr`, `Mueller` / `Muller`). Their stored keys are
   compared with the query's by rapidfuzz in one pass, and only the closest go on. For a
   complete date, files with only a year of birth are left to step 2.

With a year of birth in the query, step 2 reads only the keys of files born in that year, the
year before and after, or in no known year (index on key and year): a namesake born in another
year scores as another person (DATE_OTHER) anyway, and a common name has thousands of them.

Only those few files are loaded and scored in Python. The score is a product of factors, each
with its reason in words, so that it reads as what it is: how sure the office can be that this
file is the person. Calibrated on a labelled set (`benchmarks/matching.py`, docs/figures.md):
among candidates scored 0.9 or more, at least 97 % were the right person.

* names: `portal.matching.names.compare` on surname and given names (0.55 / 0.45; below
  0.85 the distance counts double), also against the birth name and every known spelling
  (passport, earlier passport, script original …), and also in swapped order;
* date of birth: exact 1.0; same year and month with the day unknown 0.93; only the year
  comparable (day and month unknown on either side) 0.8, since many people share a name and a
  year; a near miss (one part different, day and month swapped, year one off) 0.6; different
  0.35; unknown on either side 0.75-0.8;
* nationality: other 0.85, unknown on either side 0.97, same 1.0;
* place of birth: clearly another place 0.8 (compared across scripts and usual spellings:
  حلب = Aleppo = Halab), otherwise 1.0.

At most one file can be the person: when two or more reach 0.9 (twins with close given names,
namesakes the search cannot tell apart, one person's duplicate files), all of them are scaled
to just below 0.9 in their order, with the reason; so twins are never both above the
auto-attach threshold, which cannot be set below 0.95 (portal.config.AUTO_ATTACH_FLOOR).
The file number counts as 1.0, unless neither the name nor the date of birth fits it
(a mistyped number must not attach a submission to someone else's file).
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import and_, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from portal.config import MATCH_CERTAIN
from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.matching import names as N
from portal.matching.records import as_case_files, load_records, record_statement, with_spellings
from portal.models import CaseFile, CaseFileNameKey, Submission

NAME_HITS = 30          # files found by name keys that are scored
DATE_HITS = 400         # files found by date of birth that are pre-compared by their keys
DATE_SHORTLIST = 40     # ... of which the closest are scored
DATE_KEY_CUTOFF = 70    # rapidfuzz ratio a stored key must reach to count for the shortlist
MIN_SCORE = 0.3         # below this a file is not worth showing

# The factors of the score (see above); calibrated by benchmarks/matching.py.
DATE_EXACT, DATE_MONTH, DATE_YEAR, DATE_NEAR, DATE_OTHER = 1.0, 0.93, 0.8, 0.6, 0.35
DATE_UNKNOWN_FILE, DATE_UNKNOWN_QUERY = 0.75, 0.8
NATION_SAME, NATION_UNKNOWN, NATION_OTHER = 1.0, 0.97, 0.85
PLACE_CONFLICT = 0.8
PLACE_SAME_FROM, PLACE_OTHER_BELOW = 0.85, 0.6  # similarity of two places of birth
CERTAIN = MATCH_CERTAIN  # the band caseworkers may read as "almost certainly this person"
BELOW_CERTAIN = 0.89    # where files go that would share the certain band

SURNAME_WEIGHT, GIVEN_WEIGHT = 0.55, 0.45

_FILE_NUMBER = re.compile(r"^([A-Z]+)[\s\-/.]*(\d{4})[\s\-/.]*(\d{1,6})$")


@dataclass
class Candidate:
    case_file: CaseFile
    score: float                                  # 0..1
    reasons: list = field(default_factory=list)   # lazy strings: str() them in a context

    def reason_texts(self) -> list[str]:
        return [str(reason) for reason in self.reasons]

    def as_dict(self) -> dict:
        """Plain data (strings translated into the current locale)."""
        cf = self.case_file
        return {
            "file_number": cf.file_number,
            "score": round(self.score, 3),
            "reasons": self.reason_texts(),
            "surname": cf.surname,
            "given_names": cf.given_names,
            "date_of_birth": cf.date_of_birth.german() if cf.date_of_birth else "",
            "nationality": cf.nationality,
            "site": cf.site.code if cf.site is not None else "",
        }


@dataclass(frozen=True)
class Query:
    surname: str = ""
    given_names: str = ""
    birth_name: str = ""
    date_of_birth: PartialDate = PartialDate(None)
    nationality: str = ""
    file_number: str = ""
    place_of_birth: str = ""


# --- reasons (English message ids; the back office shows them in German) --------------------

_NAME_REASONS = {
    "surname": {
        N.SAME: lambda q, f: _l("Surname matches"),
        N.TRANSLITERATED: lambda q, f: _l("Surname equal after transliteration (%(query)s = %(file)s)", query=q, file=f),
        N.LOOSE: lambda q, f: _l("Surname equal in another spelling (%(query)s ≈ %(file)s)", query=q, file=f),
        N.SKELETON: lambda q, f: _l("Surname matches in its consonants (%(query)s ≈ %(file)s)", query=q, file=f),
        N.SIMILAR: lambda q, f: _l("Surname similar (%(query)s ≈ %(file)s)", query=q, file=f),
        N.DIFFERENT: lambda q, f: _l("Surname differs (%(query)s ≠ %(file)s)", query=q, file=f),
    },
    "given": {
        N.SAME: lambda q, f: _l("Given names match"),
        N.TRANSLITERATED: lambda q, f: _l("Given names equal after transliteration (%(query)s = %(file)s)", query=q, file=f),
        N.LOOSE: lambda q, f: _l("Given names equal in another spelling (%(query)s ≈ %(file)s)", query=q, file=f),
        N.SKELETON: lambda q, f: _l("Given names match in their consonants (%(query)s ≈ %(file)s)", query=q, file=f),
        N.SIMILAR: lambda q, f: _l("Given names similar (%(query)s ≈ %(file)s)", query=q, file=f),
        N.DIFFERENT: lambda q, f: _l("Given names differ (%(query)s ≠ %(file)s)", query=q, file=f),
    },
}
SIMILAR_FROM = 0.75  # below this a name is reported as different


def _name_reason(kind: str, comparison: N.Comparison, query: str, file: str):
    how = comparison.how
    if how == N.SIMILAR and comparison.score >= 0.999:
        how = N.SAME  # only the order of the words differs
    if how == N.SIMILAR and comparison.score < SIMILAR_FROM:
        how = N.DIFFERENT
    return _NAME_REASONS[kind][how](query, file)


# --- file numbers ---------------------------------------------------------------------------

def file_number_forms(text: str) -> list[str]:
    """The ways a typed file number may be stored: `wz 2022 17` → WZ-2022-00017."""
    raw = " ".join((text or "").split()).upper()
    if not raw:
        return []
    found = [raw, raw.replace(" ", "")]
    if m := _FILE_NUMBER.match(raw):
        site, year, number = m.groups()
        found.append(f"{site}-{year}-{int(number):05d}")
    return list(dict.fromkeys(found))


# --- the date of birth ----------------------------------------------------------------------

def date_condition(month: bool, day: bool):
    """SQL: the file's date of birth could be the query's (unknown parts match anything), for
    a query that knows the year and, as told, the month and the day; the values are bound when
    the statement runs (date_values)."""
    parts = [CaseFile.dob_year == bindparam("year")]
    if month:
        parts.append(or_(CaseFile.dob_month.is_(None), CaseFile.dob_month == bindparam("month")))
    if day:
        parts.append(or_(CaseFile.dob_day.is_(None), CaseFile.dob_day == bindparam("day")))
    return and_(*parts)


def date_shape(dob: PartialDate) -> tuple[bool, bool]:
    """Which parts of a date date_condition compares besides the year."""
    return dob.month is not None, dob.day is not None


def date_values(dob: PartialDate) -> dict:
    return {"year": dob.year, "month": dob.month, "day": dob.day}


def _built(build, *shape, allowed=()):
    """The statement `build(*shape, allowed)` makes. Without a site rule it is the same for
    every query of that shape (its values bound when it runs), so it is made once: building a
    search's expressions anew on every call cost about as much as the database took to answer.
    A site rule's condition is part of the statement, which is then made for the call."""
    return build(*shape, allowed) if allowed else _built_once(build, *shape)


@lru_cache(maxsize=128)
def _built_once(build, *shape):
    return build(*shape, ())


def _near_miss(q: PartialDate, f: PartialDate) -> bool:
    """A typo or a swapped day and month rather than another person."""
    if q.year == f.year and q.month and f.month and q.day and f.day:
        if q.month == f.month or q.day == f.day:
            return True
        if (q.day, q.month) == (f.month, f.day):
            return True
    if abs(q.year - f.year) == 1 and (q.month, q.day) == (f.month, f.day) and q.month is not None:
        return True
    return False


def compare_dates(q: PartialDate, f: PartialDate) -> tuple[float, object | None]:
    if f.year is None:
        return DATE_UNKNOWN_FILE, _l("No date of birth in the case file")
    if q.year is None:
        return DATE_UNKNOWN_QUERY, None
    if q.could_be(f):
        if q.is_complete and f.is_complete:
            return DATE_EXACT, _l("Date of birth matches")
        if q.month is not None and f.month is not None:
            return DATE_MONTH, _l("Year and month of birth match (day unknown)")
        return DATE_YEAR, _l("Only the year of birth can be compared (%(year)s): many people share a name "
                             "and a year", year=f.year)
    if _near_miss(q, f):
        return DATE_NEAR, _l("Date of birth close (%(date)s)", date=f.german())
    return DATE_OTHER, _l("Date of birth differs (%(date)s)", date=f.german())


def compare_places(q: str, f: str) -> tuple[float, object | None]:
    """Places of birth across scripts and usual spellings (حلب = Aleppo = Halab, Київ = Kyjiw)."""
    if not (q or "").strip() or not (f or "").strip():
        return 1.0, None
    similarity = N.compare(q, f, arabic=True).score
    if similarity >= PLACE_SAME_FROM:
        return 1.0, _l("Place of birth matches")
    if similarity < PLACE_OTHER_BELOW:
        return PLACE_CONFLICT, _l("Place of birth differs (%(query)s ≠ %(file)s)", query=q, file=f)
    return 1.0, None


# --- names ----------------------------------------------------------------------------------

@dataclass
class _NameResult:
    score: float
    reasons: list
    source: str        # "main", "birth", "alias"
    spelling: str      # the file's spelling that matched best
    swapped: bool


def _curve(similarity: float) -> float:
    """Spelling variants (0.85 and up) count as they are; below, the distance counts double,
    so that Olena is not half an Oleksandr."""
    return similarity if similarity >= 0.85 else max(0.0, 2 * similarity - 0.85)


def _combine(surname: N.Comparison, given: N.Comparison | None, q_given: str, f_given: str) -> float:
    if given is None:
        # One side has no given names: the surname alone is less certain.
        return _curve(surname.score) * (1.0 if not q_given and not f_given else 0.9)
    return SURNAME_WEIGHT * _curve(surname.score) + GIVEN_WEIGHT * _curve(given.score)


def _compare_names(q: Query, cf: CaseFile, arabic: bool) -> _NameResult:
    options = [(cf.surname or "", cf.given_names or "", "main")]
    if cf.birth_name:
        options.append((cf.birth_name, cf.given_names or "", "birth"))
    for alias in cf.aliases:
        options.append((alias.surname or "", alias.given_names or cf.given_names or "", alias.kind or "other"))
    query_surnames = [q.surname] + ([q.birth_name] if q.birth_name else [])
    best: _NameResult | None = None
    for f_surname, f_given, source in options:
        for q_surname in query_surnames:
            s = N.compare(q_surname, f_surname, arabic=arabic)
            g = N.compare(q.given_names, f_given, arabic=arabic) if q.given_names and f_given else None
            score = _combine(s, g, q.given_names, f_given)
            swapped = False
            if q.given_names and f_given and score < 0.95:
                s_sw = N.compare(q_surname, f_given, arabic=arabic)
                g_sw = N.compare(q.given_names, f_surname, arabic=arabic)
                sw_score = 0.97 * _combine(s_sw, g_sw, q.given_names, f_given)
                if sw_score > score + 0.05:
                    score, s, g, swapped = sw_score, g_sw, s_sw, True
            if best is None or score > best.score + 1e-9:
                reasons = []
                if swapped:
                    reasons.append(_l("Surname and given names swapped"))
                    reasons.append(_name_reason("surname", s, q.given_names, f_surname))
                    reasons.append(_name_reason("given", g, q_surname, f_given))
                else:
                    reasons.append(_name_reason("surname", s, q_surname, f_surname))
                    if g is not None:
                        reasons.append(_name_reason("given", g, q.given_names, f_given))
                best = _NameResult(score, reasons, source, f"{f_surname} {f_given}".strip(), swapped)
        if best is not None and best.score >= 0.999:
            break  # the file's own name (or an earlier spelling) fits already
    if best is None:  # cannot happen: options always holds the file's own name
        raise RuntimeError("no name of the case file was compared")
    if best.source == "birth":
        best.reasons.insert(0, _l("Birth name (%(name)s)", name=cf.birth_name))
    elif best.source in _SPELLING_REASONS:
        best.reasons.insert(0, _SPELLING_REASONS[best.source](best.spelling))
    return best


# Which of the file's known spellings fitted (portal.models.SpellingKind).
_SPELLING_REASONS = {
    "passport": lambda spelling: _l("Spelling of the passport (%(spelling)s)", spelling=spelling),
    "earlier_passport": lambda spelling: _l("Spelling of an earlier passport (%(spelling)s)", spelling=spelling),
    "birth_name": lambda spelling: _l("Birth name (%(name)s)", name=spelling),
    "script_original": lambda spelling: _l("Name in its own script (%(spelling)s)", spelling=spelling),
    "other": lambda spelling: _l("Known spelling (%(spelling)s)", spelling=spelling),
}


def _known_nationality(code: str | None) -> bool:
    return bool(code) and code.upper() != "XXX"  # XXX: nationality unclear (ICAO 9303)


def score_case_file(q: Query, cf: CaseFile) -> Candidate:
    """The score and reasons of one case file for a query."""
    names = [q.surname, q.given_names, q.birth_name, cf.surname, cf.given_names, cf.birth_name]
    names += [n for alias in cf.aliases for n in (alias.surname, alias.given_names)]
    arabic = N.arabic_context(*names, nationalities=(q.nationality, cf.nationality or ""))
    reasons: list = []
    has_names = bool(q.surname or q.given_names)
    if has_names:
        name = _compare_names(q, cf, arabic)
        name_score = name.score
    else:
        name, name_score = None, 0.8
    date_score, date_reason = compare_dates(q.date_of_birth, cf.date_of_birth or PartialDate(None))
    if _known_nationality(q.nationality) and _known_nationality(cf.nationality):
        same_nation = q.nationality.upper() == cf.nationality.upper()
        nation, nation_reason = (NATION_SAME, _l("Same nationality")) if same_nation else (
            NATION_OTHER, _l("Other nationality (%(query)s ≠ %(file)s)", query=q.nationality.upper(),
                             file=cf.nationality.upper()))
    else:
        nation, nation_reason = NATION_UNKNOWN, None
    place, place_reason = compare_places(q.place_of_birth, cf.place_of_birth or "")
    score = name_score * date_score * nation * place

    if q.file_number and cf.file_number in file_number_forms(q.file_number):
        fits = (not has_names and q.date_of_birth.is_unknown) or date_score >= 0.9 or name_score >= 0.6
        if fits:
            score = 1.0
            reasons.append(_l("File number matches"))
        else:
            reasons.append(_l("File number matches, but name and date of birth do not"))
    if date_reason is not None:
        reasons.append(date_reason)
    if name is not None:
        reasons.extend(name.reasons)
    if nation_reason is not None:
        reasons.append(nation_reason)
    if place_reason is not None:
        reasons.append(place_reason)
    return Candidate(cf, round(min(1.0, max(0.0, score)), 4), reasons)


def _apart(candidates: list[Candidate], numbered: frozenset[str] = frozenset()) -> None:
    """At most one file can be the person: when two or more reach the certain band (twins with
    close given names, namesakes the search cannot tell apart, one person's duplicate files),
    all of them are scaled to just below it, in their order, with the reason. A file whose
    number the search gave, and whose name or date of birth fits it, keeps its score."""
    certain = sorted((c for c in candidates if c.score >= CERTAIN), key=lambda c: -c.score)
    if len(certain) < 2:
        return
    top = max((c.score for c in certain if c.case_file.file_number not in numbered), default=1.0)
    for candidate in certain:
        if candidate.case_file.file_number in numbered and candidate.score >= 1.0:
            continue
        other = next(c for c in certain if c is not candidate)
        twins = (other.case_file.date_of_birth == candidate.case_file.date_of_birth
                 and candidate.case_file.date_of_birth.is_complete
                 and N.similarity(other.case_file.surname or "", candidate.case_file.surname or "") >= 0.9
                 and N.similarity(other.case_file.given_names or "", candidate.case_file.given_names or "") < 0.97)
        candidate.score = round(candidate.score * BELOW_CERTAIN / top, 4)
        if twins:
            candidate.reasons.append(_l("Another case file has the same surname and date of birth (%(file_number)s): "
                                        "twins?", file_number=other.case_file.file_number))
        else:
            candidate.reasons.append(_l("Another case file fits as well or almost as well (%(file_number)s)",
                                        file_number=other.case_file.file_number))


# --- search ---------------------------------------------------------------------------------

def query_keys(q: Query) -> tuple[set[str], set[str]]:
    keys = N.name_keys(q.surname, q.given_names, skeletons=True)
    if q.birth_name:
        keys |= N.name_keys(q.birth_name, "", skeletons=True)
    surname_keys = {k for kind, k in keys if kind == N.SURNAME}
    given_keys = {k for kind, k in keys if kind == N.GIVEN}
    return surname_keys, given_keys


def _date_statement(month: bool, day: bool, allowed):
    """The files whose date of birth could be the query's, complete dates first (from the
    index ix_case_file_birth alone), with the columns they are ordered by. For a complete
    date, files that know only the year are left to the name search: at 500,000 files some 500
    a year fit any date, they filled the date search's list, and one without a single name key
    in common scores as a stranger born that year would (about 0.5: a name unlike the query's
    times DATE_YEAR)."""
    dated = [date_condition(month, day)]
    if month and day:
        dated.append(CaseFile.dob_month.is_not(None))
    no_day, no_month = CaseFile.dob_day.is_(None), CaseFile.dob_month.is_(None)
    return (select(CaseFile.id, no_day.label("no_day"), no_month.label("no_month")).where(*dated, *allowed)
            .order_by(no_day, no_month, CaseFile.id))


def _dated_count(month: bool, day: bool, allowed):
    return _date_statement(month, day, allowed).with_only_columns(CaseFile.id).limit(DATE_HITS + 1)


def _dated_keys(month: bool, day: bool, allowed):
    dated = _date_statement(month, day, allowed).limit(DATE_HITS).subquery()
    return (select(dated.c.id, CaseFileNameKey.key)
            .outerjoin(CaseFileNameKey, CaseFileNameKey.case_file_id == dated.c.id)
            .order_by(dated.c.no_day, dated.c.no_month, dated.c.id))


def _dated_files(session: Session, q: Query, allowed) -> dict[int, list[str]]:
    """Files whose date of birth could be the query's, with their name keys, complete dates
    first, when that narrows the search to at most DATE_HITS files: the files by the index
    ix_case_file_birth, their keys joined, in one read. A bare year of birth (or a year and a
    month) in a large office fits too many files to be worth comparing by date alone: then only
    files sharing a name key are found, which the files' ids alone tell first."""
    dob = q.date_of_birth
    if dob.is_unknown:
        return {}
    shape, values = date_shape(dob), date_values(dob)
    if not dob.is_complete and len(session.scalars(
            _built(_dated_count, *shape, allowed=allowed), values).all()) > DATE_HITS:
        return {}
    keys_of: dict[int, list[str]] = {}
    # Thousands of plain rows: read through the connection, without the ORM's per-row work.
    for case_file_id, key in session.connection().execute(_built(_dated_keys, *shape, allowed=allowed),
                                                          values).all():
        owned = keys_of.setdefault(case_file_id, [])
        if key is not None:
            owned.append(key)
    return keys_of


def _near_years(dob: PartialDate) -> tuple[int, ...]:
    """The years of birth whose files the name search reads for a query born in `dob.year`: that
    year and the ones next to it (a year one off is a near miss). A namesake born in another
    year is another person (DATE_OTHER): a common name has thousands of them, and reading them
    all is what made the search slow at scale. No year given: every year."""
    return () if dob.year is None else (dob.year - 1, dob.year, dob.year + 1)


def _key_rows(keys, with_years: bool, flags):
    """The key rows of these keys (of files born in the years asked for, and of files without
    a year of birth), from the index on key and year alone, each with `flags` (s, g, x) worked
    out from the row's kind."""
    K = CaseFileNameKey
    columns = (K.case_file_id.label("cid"), *(flag.label(name) for name, flag in zip("sgx", flags)))
    if not with_years:
        return [select(*columns).where(K.key.in_(keys))]
    return [select(*columns).where(K.key.in_(keys), K.dob_year.in_(bindparam("years", expanding=True))),
            select(*columns).where(K.key.in_(keys), K.dob_year.is_(None))]


def _name_hits_statement(with_surnames: bool, with_given_names: bool, dated: tuple[bool, bool] | None, allowed):
    """The name search's read (see _name_hits) for one shape of query: which keys it has,
    whether it knows a year of birth and which parts of the date (`dated`, None: no year)."""
    K = CaseFileNameKey
    as_surname, as_given, no = (case((K.kind == N.SURNAME, 1), else_=0), case((K.kind == N.GIVEN, 1), else_=0),
                                literal(0))
    with_years, rows = dated is not None, []
    if with_surnames:
        rows += _key_rows(bindparam("surname_keys", expanding=True), with_years, (as_surname, no, as_given))
    if with_given_names:
        rows += _key_rows(bindparam("given_keys", expanding=True), with_years, (no, as_given, as_surname))
    found = union_all(*rows).subquery() if len(rows) > 1 else rows[0].subquery()
    hits = (select(found.c.cid, func.max(found.c.s).label("s"), func.max(found.c.g).label("g"),
                   func.max(found.c.x).label("x"))
            .group_by(found.c.cid).subquery())
    query = select(hits.c.cid)
    if allowed:  # the site rule on the few files found, by their primary key
        query = query.join(CaseFile, CaseFile.id == hits.c.cid).where(*allowed)
    # The date as the set of files found by its own index (computed once, from the index
    # alone): cheaper than joining every hit's file.
    date_ok = (case((hits.c.cid.in_(select(CaseFile.id).where(date_condition(*dated))), 1), else_=0)
               if with_years else literal(0))
    coarse = 2 * hits.c.s + hits.c.g + hits.c.x + 3 * date_ok
    return query.order_by(coarse.desc(), hits.c.cid).limit(NAME_HITS)


def _name_hits(session: Session, q: Query, surname_keys: set[str], given_keys: set[str], allowed) -> list[int]:
    """Files sharing a key with the query, best first: ranked in the database by which names
    matched (surname counts double; swapped names count) and by the date of birth.

    Each row's part is known from the keys it was found by and its kind: read by the surname
    keys, a surname row is the surname (s) and a given-name row the names swapped (x); read by
    the given-name keys, a given-name row is the given names (g) and a surname row swapped (x).
    (A common name's skeleton fits ten thousand rows: testing each row's key against the
    query's keys again cost more than reading them.)"""
    if not (surname_keys | given_keys):
        return []
    dob = q.date_of_birth
    dated = None if dob.is_unknown else date_shape(dob)
    statement = _built(_name_hits_statement, bool(surname_keys), bool(given_keys), dated, allowed=allowed)
    return list(session.scalars(statement, {
        "surname_keys": sorted(surname_keys), "given_keys": sorted(given_keys),
        "years": list(_near_years(dob)), **date_values(dob)}))


def _date_hits(dated: dict[int, list[str]], query_keys: set[str]) -> list[int]:
    """Of the files whose date of birth could be the query's (`dated`, with their keys, as
    _dated_files found them), those whose stored name keys come closest to the query's keys
    (rapidfuzz over the keys, one pass in C per query key)."""
    ids = list(dated)
    if not ids or not query_keys:
        return ids[:DATE_SHORTLIST]
    owners_of: dict[str, list[int]] = defaultdict(list)  # common names: far fewer keys than rows
    for case_file_id, keys in dated.items():
        for key in keys:
            owners_of[key].append(case_file_id)
    choices = list(owners_of)
    best: dict[int, float] = defaultdict(float)
    for key in query_keys:
        matches = process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=DATE_KEY_CUTOFF, limit=None)
        seen: dict[int, float] = {}
        for choice, score, _ in matches:
            for owner in owners_of[choice]:
                seen[owner] = max(seen.get(owner, 0.0), score)
        for owner, score in seen.items():
            best[owner] += score
    ranked = sorted(best, key=lambda owner: (-best[owner], owner))[:DATE_SHORTLIST]
    # Files without any name key (loaded by a tool that does not index) are scored anyway.
    ranked += [i for i in ids if not dated[i]][:DATE_SHORTLIST]
    return ranked


def find_candidates(session: Session, *, surname: str = "", given_names: str = "",
                    date_of_birth: PartialDate | None = None, nationality: str = "", file_number: str = "",
                    birth_name: str = "", place_of_birth: str = "", limit: int = 10, min_score: float = MIN_SCORE,
                    where=None) -> list[Candidate]:
    """Candidate case files, best first (at most `limit`; those below `min_score` are left
    out, except a file whose number was given). `where`: a condition on CaseFile that every
    candidate must meet (the viewer's site rule), applied in the search itself, before any of
    its limits, so that files the viewer may not see take no place among those found."""
    allowed = () if where is None else (where,)
    q = Query(surname=(surname or "").strip(), given_names=(given_names or "").strip(),
              birth_name=(birth_name or "").strip(), date_of_birth=date_of_birth or PartialDate(None),
              nationality=(nationality or "").strip().upper(), file_number=(file_number or "").strip(),
              place_of_birth=(place_of_birth or "").strip())
    ids: list[int] = []
    if q.file_number:
        forms = file_number_forms(q.file_number)
        ids.extend(session.scalars(select(CaseFile.id).where(CaseFile.file_number.in_(forms), *allowed)))
    surname_keys, given_keys = query_keys(q)
    dated = _dated_files(session, q, allowed)
    for case_file_id in _name_hits(session, q, surname_keys, given_keys, allowed):
        if case_file_id not in ids:
            ids.append(case_file_id)
    seen = set(ids)
    ids.extend(_date_hits({i: keys for i, keys in dated.items() if i not in seen}, surname_keys | given_keys))
    return rank(session, q, ids, limit=limit, min_score=min_score, allowed=allowed)


def rank(session: Session, q: Query, ids: list[int], *, limit: int, min_score: float = MIN_SCORE,
         allowed=()) -> list[Candidate]:
    """These files scored for the query, best first (as find_candidates describes): scored on
    plain records, and only those shown loaded as case files."""
    if not ids:
        return []
    records = load_records(session, _built(_records_statement, allowed=allowed), {"ids": ids})
    return as_case_files(session, rank_files(q, records, limit=limit, min_score=min_score))


def _records_statement(allowed):
    return with_spellings(record_statement(CaseFile.id.in_(bindparam("ids", expanding=True)), *allowed))


# What the pages showing candidates read of a file besides its row.
FILE_LOADING = (joinedload(CaseFile.aliases), joinedload(CaseFile.site))  # one read for the few shown


def rank_files(q: Query, files: list[CaseFile], *, limit: int, min_score: float = MIN_SCORE) -> list[Candidate]:
    """Loaded files scored for the query, best first (at most one of them in the certain band)."""
    return best_of(q, [score_case_file(q, cf) for cf in files], limit=limit, min_score=min_score)


def best_of(q: Query, scored: list[Candidate], *, limit: int, min_score: float = MIN_SCORE) -> list[Candidate]:
    """Of files scored by score_case_file, the best (as rank_files ranks them), as new
    candidates: the same scored files can be ranked again as a subset (the files one viewer
    may see) without being scored twice."""
    candidates = [Candidate(c.case_file, c.score, list(c.reasons)) for c in scored]
    wanted_numbers = set(file_number_forms(q.file_number))
    _apart(candidates, frozenset(wanted_numbers))
    candidates = [c for c in candidates if c.score >= min_score or c.case_file.file_number in wanted_numbers]
    candidates.sort(key=lambda c: (-c.score, c.case_file.file_number))
    return candidates[:limit]


def query_for_submission(submission: Submission) -> Query:
    """What a submission says about its applicant: the applicant columns first, the form's
    fields where those are empty."""
    values = submission.field_values or {}
    dob = submission.applicant_date_of_birth or PartialDate(None)
    if dob.is_unknown and values.get("date_of_birth"):
        try:
            dob = PartialDate.parse(str(values["date_of_birth"]))
        except InvalidPartialDate:
            dob = PartialDate(None)
    return Query(
        surname=submission.applicant_surname or str(values.get("surname", "")),
        given_names=submission.applicant_given_names or str(values.get("given_names", "")),
        birth_name=str(values.get("birth_name", "") or ""),
        date_of_birth=dob,
        nationality=str(values.get("nationality", "") or ""),
        file_number=str(values.get("file_number", "") or ""),
        place_of_birth=str(values.get("place_of_birth", "") or ""),
    )


def for_submission(session: Session, submission: Submission, limit: int = 10, where=None) -> list[Candidate]:
    """The submission's candidates; `where` as in find_candidates (the viewer's site rule)."""
    q = query_for_submission(submission)
    return find_candidates(session, surname=q.surname, given_names=q.given_names, birth_name=q.birth_name,
                           date_of_birth=q.date_of_birth, nationality=q.nationality,
                           file_number=q.file_number, place_of_birth=q.place_of_birth, limit=limit, where=where)

