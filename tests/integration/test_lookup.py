"""The phone desk: reference (with "did you mean" for a misheard digit), file number, name with
date of birth in any script; the case file, its open submissions and the next appointment."""
from sqlalchemy import select

from portal.casework.lookup import lookup
from portal.models import AuditEvent
from tests.support.helpers import sign_in


def test_reference_found_and_misheard_digits_suggested(db_session, make_submission, make_staff):
    lead = make_staff("team_lead")  # sees both sites
    reference = make_submission().submission.reference
    assert lookup(db_session, reference.lower(), lead).submission.reference == reference
    year, number, check = reference.split("-")[1:]
    swapped = f"ABH-{year}-{number[:-2]}{number[-1]}{number[-2]}-{check}" if number[-1] != number[-2] else None
    wrong_check = f"ABH-{year}-{number}-{(int(check) + 1) % 10}"
    result = lookup(db_session, wrong_check, lead)
    assert result.problem == "check_digit" and reference in result.did_you_mean
    if swapped:
        assert reference in lookup(db_session, swapped, lead).did_you_mean


def test_file_number_in_any_spelling(db_session, case_files, make_staff):
    lead = make_staff("team_lead")
    for typed in ("WZ-2022-00017", "wz 2022 00017", "WZ202200017"):
        result = lookup(db_session, typed, lead)
        assert result.kind == "file_number" and result.hits[0].case_file.file_number == "WZ-2022-00017"


def test_name_and_date_of_birth_in_any_script(db_session, case_files, make_staff):
    lead = make_staff("team_lead")
    for typed in ("Шевченко Олександр 00.03.1987", "Shevchenko Oleksandr 14.03.1987", "Oleksandr Shevchenko 1987"):
        hits = lookup(db_session, typed, lead).hits
        assert hits and hits[0].case_file.file_number == "WZ-2022-00017", typed
    assert lookup(db_session, "Shevchenko Oleksandr", lead).problem == "no_date"


def test_the_phone_desk_page_is_audited(client, make_staff, case_files, db_session):
    sign_in(client, make_staff().email)
    body = client.get("/backoffice/lookup?q=WZ-2022-00017").get_data(as_text=True)
    assert "Шевченко" in body and "WZ-2022-00017" in body
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "lookup")).one()
    assert event.detail["query"] == "WZ-2022-00017"



TYPED = "Kovalenko Mariia 12.06.1991"


def test_the_phone_desk_shows_an_own_site_file_ranked_below_other_sites(client, make_staff, namesakes):
    """The site rule is applied before the five best are taken: namesakes at Wetzlar do not push
    Dillenburg's own file off a Dillenburg caseworker's page; Wetzlar is named instead."""
    sign_in(client, make_staff("caseworker", "DIL").email)
    page = client.get("/backoffice/lookup", query_string={"q": TYPED}).get_data(as_text=True)
    assert namesakes.file_number in page and "WZ-2019-" not in page
    assert 'id="found-elsewhere"' in page and "Wetzlar" in page


def test_lookup_filters_by_the_viewer_before_the_limit(db_session, make_staff, namesakes):
    result = lookup(db_session, TYPED, make_staff("caseworker", "DIL"))
    assert [h.case_file.file_number for h in result.hits] == [namesakes.file_number]
    assert result.elsewhere == ["Wetzlar"] and result.problem == ""
    wetzlar = lookup(db_session, TYPED, make_staff("caseworker", "WZ"))
    assert len(wetzlar.hits) == 5 and all(h.case_file.file_number.startswith("WZ-") for h in wetzlar.hits)
    assert wetzlar.elsewhere == []


def _indexed(db_session, files):
    from portal.matching.index import index_case_files

    index_case_files(db_session, files)
    db_session.commit()
    return files


def _without_the_wider_search(monkeypatch):
    import portal.matching.candidates as candidates

    def refused(*args, **kwargs):
        raise AssertionError("the same name and date were found: no wider search needed")

    monkeypatch.setattr(candidates, "find_candidates", refused)


def test_the_same_name_and_date_is_found_by_the_name_keys_alone(db_session, case_files, make_staff, monkeypatch):
    _indexed(db_session, case_files)
    _without_the_wider_search(monkeypatch)
    lead = make_staff("team_lead")
    for typed in ("Шевченко Олександр 00.03.1987", "Oleksandr Shevchenko 14.03.1987", "Shevchenko 1987",
                  "محمد الحسن 1990", "Yilmaz Ayse 02.11.1979"):
        hits = lookup(db_session, typed, lead).hits
        assert hits and hits[0].case_file.file_number in ("WZ-2022-00017", "DIL-2016-00321", "WZ-2011-00412"), typed
        assert hits[0].score >= 0.6, typed


def test_a_file_of_the_same_name_and_date_at_another_site_is_named_not_shown(db_session, case_files, make_staff,
                                                                              monkeypatch):
    _indexed(db_session, case_files)
    _without_the_wider_search(monkeypatch)
    result = lookup(db_session, "Shevchenko Oleksandr 14.03.1987", make_staff("caseworker", "DIL"))
    assert result.hits == [] and result.elsewhere == ["Wetzlar"] and result.problem == "elsewhere"


def test_a_corrected_date_of_birth_moves_the_name_keys_along(db_session, case_files, make_staff):
    from portal.domain.dates import PartialDate
    from portal.matching.index import index_case_file
    from portal.models import CaseFileNameKey

    shevchenko = _indexed(db_session, case_files)[0]
    shevchenko.date_of_birth = PartialDate(1988, 3, 14)
    index_case_file(db_session, shevchenko)
    db_session.commit()
    years = set(db_session.scalars(select(CaseFileNameKey.dob_year)
                                   .where(CaseFileNameKey.case_file_id == shevchenko.id)))
    assert years == {1988}
    lead = make_staff("team_lead")
    assert lookup(db_session, "Shevchenko Oleksandr 14.03.1988", lead).hits[0].case_file.file_number == "WZ-2022-00017"


def test_each_hit_shows_its_own_next_appointment(db_session, case_files, make_submission, make_staff, sites):
    """One query for all the hits, sorted out per file: a booking for the file's submission, a
    booking in the same name and year of birth, and nothing for a file without either (a
    cancelled booking and a past one do not count)."""
    from datetime import time, timedelta

    from portal.appointments.booking import person_key
    from portal.models import Booking, BookingStatus
    from tests.support import booking_setup

    lead = make_staff("team_lead")
    shevchenko, al_hassan, yilmaz = case_files
    submission = db_session.merge(make_submission().submission)
    submission.case_file_id = shevchenko.id
    later = booking_setup.future_slot(db_session, sites["WZ"], days_ahead=9, at=time(11, 0))
    sooner = booking_setup.future_slot(db_session, sites["DIL"], days_ahead=4, at=time(9, 0))
    past = booking_setup.future_slot(db_session, sites["WZ"], days_ahead=2, at=time(8, 0))
    past.starts_at, past.ends_at = past.starts_at - timedelta(days=30), past.ends_at - timedelta(days=30)

    def booking(reference, slot, surname, given_names, year, status=BookingStatus.CONFIRMED, submission_id=None):
        db_session.add(Booking(reference=reference, token_hash=reference.ljust(64, "0"), slot_id=slot.id,
                               status=status, surname=surname, given_names=given_names,
                               person_key=person_key(surname, given_names), dob_year=year,
                               submission_id=submission_id))

    booking("TER-SUBM-0001", later, "Anders", "Jemand", None, submission_id=submission.id)
    booking("TER-NAME-0001", sooner, "Hassan", "Mohammad", 1990)  # another spelling: not the file's
    booking("TER-NAME-0002", later, "الحسن", "محمد", 1990)  # the file's spelling in Arabic script
    booking("TER-YEAR-0001", sooner, "الحسن", "محمد", 1991)  # the same name, another year
    booking("TER-GONE-0001", sooner, "Yılmaz", "Ayşe", 1979, status=BookingStatus.CANCELLED)
    booking("TER-PAST-0001", past, "Yılmaz", "Ayşe", 1979)
    db_session.commit()

    from portal.casework.lookup import _next_bookings

    found = _next_bookings(db_session, [shevchenko, al_hassan, yilmaz])
    assert {cid: b.reference if b else None for cid, b in found.items()} == {
        shevchenko.id: "TER-SUBM-0001", al_hassan.id: "TER-NAME-0002", yilmaz.id: None}
    hit = lookup(db_session, "Al-Hassan Mohammad 1990", lead).hits[0]
    assert hit.case_file.id == al_hassan.id and hit.next_booking.reference == "TER-NAME-0002"
