"""The phone desk's one search box: a submission reference (typos caught by the check digit),
a file number, or a name with a date of birth in any script.

A name with a date of birth looks for the same name and date first (portal.matching.same_person),
and only without a hit through the matching's wider search. What the viewer may not see
(portal.casework.access) is never shown; the sites where such a
thing was found are named instead, so that the caller can be passed on. A search by name
applies the site rule in the query, before its limit: files of another site take no place
among the hits shown."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, contains_eager

from portal.casework import access
from portal.domain.dates import InvalidPartialDate, PartialDate
from portal.intake.references import InvalidReference, format_reference, parse_reference
from portal.models import (
    ACTIVE_BOOKING_STATUSES, Booking, CaseFile, Site, Slot, StaffUser, Submission,
)
from portal.models.submission import OPEN_STATUSES

_REFERENCE_LIKE = re.compile(r"^\s*ABH[\s-]*(\d{4})[\s-]*(\d{6,})[\s-]*(\d)?\s*$", re.IGNORECASE)
_FILE_NUMBER_LIKE = re.compile(r"^\s*[A-Za-z]{1,5}[\s-]*\d{2,4}[\s-]*\d{1,6}\s*$")
_DATE = re.compile(r"(\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{1,2}-\d{1,2}|\b\d{4}\b)")


@dataclass
class PersonHit:
    case_file: CaseFile
    score: float = 1.0
    reasons: list = field(default_factory=list)
    open_submissions: list[Submission] = field(default_factory=list)
    next_booking: Booking | None = None


@dataclass
class LookupResult:
    kind: str  # "reference", "file_number", "person", "empty", "not_understood"
    submission: Submission | None = None
    did_you_mean: list[str] = field(default_factory=list)
    hits: list[PersonHit] = field(default_factory=list)
    problem: str = ""  # "check_digit", "no_date", "not_found", "elsewhere" (found only at other sites)
    elsewhere: list[str] = field(default_factory=list)  # names of the other sites where something was found


def _typo_variants(year: str, number: str) -> list[str]:
    """References one slip away (one digit wrong, two neighbours swapped) with a valid check digit."""
    digits = year + number
    variants = set()
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                variants.add(digits[:i] + d + digits[i + 1:])
        if i + 1 < len(digits) and digits[i] != digits[i + 1]:
            variants.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    return [format_reference(int(v[:4]), int(v[4:])) for v in variants]


def _by_reference(session: Session, text: str, viewer: StaffUser) -> LookupResult:
    try:
        reference = parse_reference(text)
    except InvalidReference:
        match = _REFERENCE_LIKE.match(text)
        year, number, check = match.groups()
        candidates = [format_reference(int(year), int(number))] + _typo_variants(year, number)
        existing = list(session.scalars(select(Submission.reference).where(Submission.reference.in_(candidates))))
        return LookupResult("reference", did_you_mean=sorted(existing), problem="check_digit")
    submission = session.scalar(select(Submission).where(Submission.reference == reference))
    result = LookupResult("reference", submission=submission, problem="" if submission else "not_found")
    if submission is not None and submission.case_file is not None:
        result.hits = [_person(session, submission.case_file, viewer)]
    return result


def _person(session: Session, case_file: CaseFile, viewer: StaffUser, score: float = 1.0, reasons=()) -> PersonHit:
    hit = PersonHit(case_file, score, list(reasons))
    hit.open_submissions = list(session.scalars(
        select(Submission).where(Submission.case_file_id == case_file.id,
                                 Submission.status.in_([s.value for s in OPEN_STATUSES]),
                                 access.submission_condition(viewer))
        .order_by(Submission.received_at)))
    hit.next_booking = _next_bookings(session, [case_file])[case_file.id]
    return hit


@lru_cache(maxsize=2)
def _next_bookings_statement(with_years: bool):
    """The read of _next_bookings, made once (with a year of birth among the files or not); its
    values are bound when it runs: the files' ids, their name keys and years, the moment."""
    condition = Submission.case_file_id.in_(bindparam("case_file_ids", expanding=True))
    if with_years:
        condition = condition | (Booking.person_key.in_(bindparam("person_keys", expanding=True))
                                 & Booking.dob_year.in_(bindparam("years", expanding=True)))
    return (select(Booking, Submission.case_file_id).join(Slot, Booking.slot_id == Slot.id)
            .outerjoin(Submission, Booking.submission_id == Submission.id)
            .where(condition, Booking.status.in_(ACTIVE_BOOKING_STATUSES), Slot.starts_at > bindparam("now"))
            .order_by(Slot.starts_at, Booking.id).options(contains_eager(Booking.slot)))


def _next_bookings(session: Session, case_files: list[CaseFile]) -> dict[int, Booking | None]:
    """Each person's next appointment: booked for one of the file's submissions, or in the same
    name and year of birth. One query for all the files of a search (the phone desk shows up
    to five), sorted out per file here."""
    from portal.appointments.booking import person_key
    from portal.models._types import utcnow

    found: dict[int, Booking | None] = {case_file.id: None for case_file in case_files}
    if not case_files:
        return found
    keys_of = {case_file.id: {person_key(s, g) for s, g in
                              [(case_file.surname, case_file.given_names)]
                              + [(a.surname, a.given_names) for a in case_file.aliases]}
               for case_file in case_files}
    years = {case_file.date_of_birth.year for case_file in case_files if case_file.date_of_birth.year}
    rows = session.execute(_next_bookings_statement(bool(years)), {
        "case_file_ids": list(found), "person_keys": sorted(set().union(*keys_of.values())),
        "years": sorted(years), "now": utcnow()}).all()
    for booking, submitted_for in rows:  # the earliest first: each file keeps the first that is its own
        for case_file in case_files:
            if found[case_file.id] is not None:
                continue
            born = case_file.date_of_birth.year
            if submitted_for == case_file.id or (
                    born and booking.dob_year == born and booking.person_key in keys_of[case_file.id]):
                found[case_file.id] = booking
    return found


def _by_file_number(session: Session, text: str, viewer: StaffUser) -> LookupResult | None:
    compact = re.sub(r"[\s-]", "", text).upper()
    case_file = session.scalar(select(CaseFile).where(
        func.upper(func.replace(CaseFile.file_number, "-", "")) == compact))
    if case_file is None:
        return None
    return LookupResult("file_number", hits=[_person(session, case_file, viewer)])


def _by_person(session: Session, text: str, viewer: StaffUser, limit: int) -> LookupResult:
    from portal.matching.candidates import best_of, find_candidates, score_case_file
    from portal.matching.records import as_case_files
    from portal.matching.same_person import person_query, same_person_files

    match = _DATE.search(text)
    if not match:
        return LookupResult("person", problem="no_date")
    try:
        born = PartialDate.parse(match.group(1))
    except InvalidPartialDate:
        return LookupResult("person", problem="no_date")
    names = (text[:match.start()] + " " + text[match.end():]).replace(",", " ").split()
    if not names:
        return LookupResult("person", problem="no_date")
    surname, given_names = names[0], " ".join(names[1:])

    query = person_query(surname, given_names, born)

    def wider(where=None):
        found = find_candidates(session, surname=surname, given_names=given_names, date_of_birth=born,
                                limit=limit, where=where)
        if not found and len(names) > 1:  # "Oleksandr Shevchenko": given name first
            found = find_candidates(session, surname=names[-1], given_names=" ".join(names[:-1]),
                                    date_of_birth=born, limit=limit, where=where)
        return found

    # The same name and date first (from the index alone); the wider matching only when the
    # whole office has no file of that name and date.
    # The files of that name and date are few: loaded once, ranked for the whole office and for
    # the viewer's own files (the site rule before the limit, as below).
    same = [score_case_file(query, case_file) for case_file in same_person_files(session, query)]
    if access.sees_all_sites(viewer):
        candidates, elsewhere = best_of(query, same, limit=limit) or wider(), []
    else:
        everywhere = best_of(query, same, limit=limit)
        if everywhere:
            candidates = best_of(query, [c for c in same if access.can_see_case_file(viewer, c.case_file)],
                                 limit=limit)
        else:
            own = access.case_file_condition(viewer)
            everywhere, candidates = wider(), wider(own)
        # Named as before the rule: the other sites among the best hits of the whole office.
        elsewhere = [c.case_file for c in everywhere if not access.can_see_case_file(viewer, c.case_file)]
    hits = _people(session, as_case_files(session, candidates), viewer)
    result = LookupResult("person", hits=hits, problem="" if hits else "not_found")
    other_sites = {case_file.site_id for case_file in elsewhere}
    result.elsewhere = sorted(session.scalars(select(Site.name).where(Site.id.in_(other_sites)))) if other_sites else []
    return result


def _people(session: Session, candidates, viewer: StaffUser) -> list[PersonHit]:
    """Like _person for each candidate, with the open submissions of all of them in one query."""
    ids = [c.case_file.id for c in candidates]
    open_items: dict[int, list[Submission]] = {i: [] for i in ids}
    if ids:
        for item in session.scalars(select(Submission).where(
                Submission.case_file_id.in_(ids), Submission.status.in_([s.value for s in OPEN_STATUSES]),
                access.submission_condition(viewer))
                .order_by(Submission.received_at)):
            open_items[item.case_file_id].append(item)
    next_bookings = _next_bookings(session, [c.case_file for c in candidates])
    hits = []
    for candidate in candidates:
        hit = PersonHit(candidate.case_file, candidate.score, list(candidate.reasons))
        hit.open_submissions = open_items[candidate.case_file.id]
        hit.next_booking = next_bookings[candidate.case_file.id]
        hits.append(hit)
    return hits


def _keep_visible(result: LookupResult, viewer: StaffUser) -> LookupResult:
    """Drop the submission and the case files the viewer may not see; name their sites."""
    hidden = set(result.elsewhere)
    if result.submission is not None and not access.can_see_submission(viewer, result.submission):
        hidden.add(result.submission.site.name)
        result.submission = None
    kept = []
    for hit in result.hits:
        if access.can_see_case_file(viewer, hit.case_file):
            kept.append(hit)
        else:
            hidden.add(hit.case_file.site.name)
    result.hits = kept
    result.elsewhere = sorted(hidden)
    if hidden and result.problem in ("", "not_found") and not kept and result.submission is None:
        result.problem = "elsewhere"
    return result


def lookup(session: Session, text: str, viewer: StaffUser, *, limit: int = 5) -> LookupResult:
    """What the phone desk finds for `text`, as far as `viewer` may see it."""
    text = (text or "").strip()[:200]
    if not text:
        return LookupResult("empty")
    if _REFERENCE_LIKE.match(text):
        return _keep_visible(_by_reference(session, text, viewer), viewer)
    if _FILE_NUMBER_LIKE.match(text):
        found = _by_file_number(session, text, viewer)
        if found is not None:
            return _keep_visible(found, viewer)
    return _keep_visible(_by_person(session, text, viewer, limit), viewer)


__all__ = ["LookupResult", "PersonHit", "lookup"]
