"""The phone desk: reference (with "did you mean" for a misheard digit), file number, name with
date of birth in any script; the case file, its open submissions and the next appointment."""
from sqlalchemy import select

from portal.casework.lookup import lookup
from portal.models import AuditEvent
from tests.helpers import sign_in


def test_reference_found_and_misheard_digits_suggested(db_session, make_submission):
    reference = make_submission().submission.reference
    assert lookup(db_session, reference.lower()).submission.reference == reference
    year, number, check = reference.split("-")[1:]
    swapped = f"ABH-{year}-{number[:-2]}{number[-1]}{number[-2]}-{check}" if number[-1] != number[-2] else None
    wrong_check = f"ABH-{year}-{number}-{(int(check) + 1) % 10}"
    result = lookup(db_session, wrong_check)
    assert result.problem == "check_digit" and reference in result.did_you_mean
    if swapped:
        assert reference in lookup(db_session, swapped).did_you_mean


def test_file_number_in_any_spelling(db_session, case_files):
    for typed in ("WZ-2022-00017", "wz 2022 00017", "WZ202200017"):
        result = lookup(db_session, typed)
        assert result.kind == "file_number" and result.hits[0].case_file.file_number == "WZ-2022-00017"


def test_name_and_date_of_birth_in_any_script(db_session, case_files):
    for typed in ("Шевченко Олександр 00.03.1987", "Shevchenko Oleksandr 14.03.1987", "Oleksandr Shevchenko 1987"):
        hits = lookup(db_session, typed).hits
        assert hits and hits[0].case_file.file_number == "WZ-2022-00017", typed
    assert lookup(db_session, "Shevchenko Oleksandr").problem == "no_date"


def test_the_phone_desk_page_is_audited(client, make_staff, case_files, db_session):
    sign_in(client, make_staff().email)
    body = client.get("/backoffice/lookup?q=WZ-2022-00017").get_data(as_text=True)
    assert "Шевченко" in body and "WZ-2022-00017" in body
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "lookup")).one()
    assert event.detail["query"] == "WZ-2022-00017"
