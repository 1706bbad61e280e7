"""Matching submissions and callers to case files, on the database (SQLite and PostgreSQL)."""
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.domain.dates import PartialDate
from portal.casefiles.operations import AttachError, attach_submission, open_case_file_for
from portal.matching import Candidate, find_candidates, for_submission
from portal.matching.auto_attach import auto_attach_candidate, maybe_auto_attach
from portal.matching.index import index_case_file, index_unindexed, reindex_all
from portal.models import (
    AuditEvent, CaseFile, CaseFileAlias, CaseFileNameKey, Document, SubmissionStatus,
)
from portal.config import settings_of
from tests.support.app_factory import override_settings


@pytest.fixture
def indexed(db_session, case_files, sites):
    """The office's case files with name keys, and people who resemble them."""
    others = [
        # Same surname, another person (other given name, other year).
        CaseFile(file_number="WZ-2019-00088", surname="Шевченко", given_names="Олена",
                 date_of_birth=PartialDate(1990, 7, 21), nationality="UKR", site=sites["WZ"]),
        # Same names, another birth year.
        CaseFile(file_number="DIL-2020-00555", surname="Shevchenko", given_names="Oleksandr",
                 date_of_birth=PartialDate(1975, 6, 1), nationality="UKR", site=sites["DIL"]),
        CaseFile(file_number="WZ-2018-00901", surname="Al-Hassan", given_names="Fatima",
                 date_of_birth=PartialDate(1993, 2, 14), nationality="SYR", site=sites["WZ"]),
        CaseFile(file_number="WZ-2015-00300", surname="Müller", given_names="Jürgen",
                 date_of_birth=PartialDate(1960, 1, 5), nationality="DEU", site=sites["WZ"]),
    ]
    db_session.add_all(others)
    db_session.commit()
    assert index_unindexed(db_session) == len(case_files) + len(others)
    db_session.commit()
    return {cf.file_number: cf for cf in case_files + others}


def _texts(app, candidate: Candidate) -> list[str]:
    with app.app_context(), force_locale("en"):
        return candidate.reason_texts()


def test_shevchenko_is_found_from_the_latin_spelling_with_a_full_date(app, db_session, indexed):
    found = find_candidates(db_session, surname="Shevchenko", given_names="Oleksandr",
                            date_of_birth=PartialDate.parse("1987-03-14"))
    assert found[0].case_file.file_number == "WZ-2022-00017"
    assert found[0].score >= 0.9
    reasons = _texts(app, found[0])
    assert "Year and month of birth match (day unknown)" in reasons
    assert "Surname equal after transliteration (Shevchenko = Шевченко)" in reasons
    assert "Given names equal after transliteration (Oleksandr = Олександр)" in reasons
    numbers = [c.case_file.file_number for c in found]
    # The namesake born in 1975 and the sister come far behind.
    others = {c.case_file.file_number: c.score for c in found[1:]}
    assert others.get("DIL-2020-00555", 0) < found[0].score - 0.4
    assert others.get("WZ-2019-00088", 0) < found[0].score - 0.4
    assert numbers == sorted(numbers, key=lambda n: -{c.case_file.file_number: c.score for c in found}[n])


def test_shevchenko_is_found_from_the_cyrillic_spelling(app, db_session, indexed):
    found = find_candidates(db_session, surname="Шевченко", given_names="Олександр",
                            date_of_birth=PartialDate.parse("1987-03-14"), nationality="UKR")
    assert found[0].case_file.file_number == "WZ-2022-00017"
    reasons = _texts(app, found[0])
    assert {"Surname matches", "Given names match", "Same nationality"} <= set(reasons)


def test_a_russian_spelling_of_the_given_name_is_similar(app, db_session, indexed):
    found = find_candidates(db_session, surname="Shevchenko", given_names="Aleksandr",
                            date_of_birth=PartialDate(1987, 3))
    assert found[0].case_file.file_number == "WZ-2022-00017"
    assert "Given names similar (Aleksandr ≈ Олександр)" in _texts(app, found[0])


def test_al_hassan_is_found_from_another_latin_spelling(app, db_session, indexed):
    found = find_candidates(db_session, surname="Alhasan", given_names="Mohammed",
                            date_of_birth=PartialDate.parse("1990-05-01"))
    assert found[0].case_file.file_number == "DIL-2016-00321"
    assert found[0].score > 0.75
    # Only the year of birth is known in the file: the score stays below the certain band.
    assert found[0].score < 0.9
    assert "Only the year of birth can be compared (1990): many people share a name and a year" in _texts(
        app, found[0])
    # Fatima Al-Hassan, born 1993, is not the same person.
    assert all(c.score < 0.5 for c in found if c.case_file.file_number == "WZ-2018-00901")


def test_arabic_script_query_finds_the_latin_file(app, db_session, indexed):
    found = find_candidates(db_session, surname="الحسن", given_names="محمد", date_of_birth=PartialDate(1990))
    assert found[0].case_file.file_number == "DIL-2016-00321"


def test_umlauts_and_the_date_channel(db_session, indexed):
    # "Muller" shares no key with "Müller"'s file only if folding failed; both spellings find it.
    for spelling in ("Mueller", "Muller", "MÜLLER"):
        found = find_candidates(db_session, surname=spelling, given_names="Juergen",
                                date_of_birth=PartialDate(1960, 1, 5))
        assert found[0].case_file.file_number == "WZ-2015-00300", spelling
        assert found[0].score > 0.9


def test_birth_name_and_swapped_order(app, db_session, indexed):
    found = find_candidates(db_session, surname="Kaya", given_names="Ayse", date_of_birth=PartialDate(1979, 11, 2))
    assert found[0].case_file.file_number == "WZ-2011-00412"
    assert "Birth name (Kaya)" in _texts(app, found[0])

    swapped = find_candidates(db_session, surname="Oleksandr", given_names="Shevchenko",
                              date_of_birth=PartialDate(1987, 3, 14))
    assert swapped[0].case_file.file_number == "WZ-2022-00017"
    assert "Surname and given names swapped" in _texts(app, swapped[0])


def test_file_number_exact_whatever_the_spacing(app, db_session, indexed):
    found = find_candidates(db_session, surname="Shevchenko", given_names="Oleksandr",
                            date_of_birth=PartialDate(1987, 3, 14), file_number=" wz 2022 17 ")
    assert found[0].case_file.file_number == "WZ-2022-00017" and found[0].score == 1.0
    assert _texts(app, found[0])[0] == "File number matches"
    # A number that belongs to somebody else entirely is not taken on trust.
    wrong = find_candidates(db_session, surname="Kowalczyk", given_names="Agnieszka",
                            date_of_birth=PartialDate(2001, 4, 4), file_number="WZ-2022-00017")
    assert wrong[0].case_file.file_number == "WZ-2022-00017" and wrong[0].score < 0.5
    assert "File number matches, but name and date of birth do not" in _texts(app, wrong[0])


def test_nothing_alike_finds_nothing(db_session, indexed):
    assert find_candidates(db_session, surname="Kowalczyk", given_names="Agnieszka",
                           date_of_birth=PartialDate(2001, 4, 4)) == []


def test_files_without_name_keys_are_still_found_by_date(db_session, case_files):
    found = find_candidates(db_session, surname="Yilmaz", given_names="Ayse", date_of_birth=PartialDate(1979, 11, 2))
    assert found[0].case_file.file_number == "WZ-2011-00412"


def test_a_complete_date_leaves_files_with_only_a_year_to_the_name_search(db_session, sites):
    """The date search (names too unlike to share a key) reads files with the query's month: at
    scale a year's files without day and month fill it. Such a file is found when it shares a
    name key; one that shares none is not shown for a complete date, but is for a year."""
    files = [CaseFile(file_number="WZ-2020-00701", surname="Shevchenko", given_names="Oleksandr",
                      date_of_birth=PartialDate(1987), nationality="UKR", site=sites["WZ"]),
             CaseFile(file_number="WZ-2020-00702", surname="Szewczenko", given_names="Aleksander",
                      date_of_birth=PartialDate(1987), nationality="POL", site=sites["WZ"]),
             CaseFile(file_number="WZ-2020-00703", surname="Szewczenko", given_names="Aleksander",
                      date_of_birth=PartialDate(1987, 3), nationality="POL", site=sites["WZ"])]
    db_session.add_all(files)
    db_session.commit()
    index_unindexed(db_session)
    db_session.commit()

    def found(date):
        return {c.case_file.file_number for c in find_candidates(
            db_session, surname="Шевченко", given_names="Олександр", date_of_birth=date)}

    assert not found(PartialDate(1987, 3, 14)) & {"WZ-2020-00702"}, "no key in common, only the year"
    assert {"WZ-2020-00701", "WZ-2020-00703"} <= found(PartialDate(1987, 3, 14))
    assert {"WZ-2020-00701", "WZ-2020-00702", "WZ-2020-00703"} <= found(PartialDate(1987))


def test_reindex_all_rebuilds_the_keys(db_session, indexed):
    before = set(db_session.execute(select(CaseFileNameKey.case_file_id, CaseFileNameKey.kind,
                                           CaseFileNameKey.key)))
    db_session.execute(CaseFileNameKey.__table__.delete())
    db_session.commit()
    done = []
    assert reindex_all(db_session, batch=2, progress=done.append) == len(before)
    assert sum(done) == len(indexed)
    after = set(db_session.execute(select(CaseFileNameKey.case_file_id, CaseFileNameKey.kind,
                                          CaseFileNameKey.key)))
    assert after == before
    assert reindex_all(db_session) == 0  # nothing changed: nothing written


def test_attach_moves_documents_and_learns_the_spelling(db_session, indexed, make_submission, make_staff):
    staff = make_staff("caseworker", "WZ")
    submission = make_submission(surname="Schewtschenko", given_names="Olexandr").submission
    case_file = indexed["WZ-2022-00017"]
    alias = attach_submission(db_session, submission, case_file, staff, client_address="10.0.0.7")
    db_session.commit()
    assert alias is not None and (alias.surname, alias.given_names) == ("Schewtschenko", "Olexandr")
    assert alias.source == f"submission {submission.reference}"
    assert submission.status == SubmissionStatus.ATTACHED and submission.case_file_id == case_file.id
    assert submission.history[-1].status == SubmissionStatus.ATTACHED
    assert submission.history[-1].staff_user_id == staff.id
    documents = db_session.scalars(select(Document).where(Document.submission_id == submission.id)).all()
    assert documents and all(d.case_file_id == case_file.id for d in documents)
    keys = set(db_session.scalars(select(CaseFileNameKey.key).where(CaseFileNameKey.case_file_id == case_file.id)))
    assert "schewtschenko" in keys
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "attach")).all()
    assert len(events) == 1 and events[0].object_id == submission.reference
    assert events[0].detail["case_file"] == "WZ-2022-00017" and events[0].detail["spelling_added"] is True

    # The same spelling again (other case, other hyphenation) is not a new one.
    again = make_submission(surname="SCHEWTSCHENKO", given_names="Olexandr").submission
    assert attach_submission(db_session, again, case_file, staff) is None
    db_session.commit()
    assert db_session.scalar(select(CaseFileAlias.id).where(CaseFileAlias.surname == "SCHEWTSCHENKO")) is None


def test_attach_keeps_known_spellings_out(db_session, indexed, make_submission):
    submission = make_submission().submission  # Шевченко Олександр: the file's own spelling
    case_file = indexed["WZ-2022-00017"]
    count = len(case_file.aliases)
    assert attach_submission(db_session, submission, case_file) is None
    db_session.commit()
    db_session.refresh(case_file)
    assert len(case_file.aliases) == count
    with pytest.raises(AttachError):
        attach_submission(db_session, submission, indexed["DIL-2016-00321"])


def test_candidates_for_a_submission(db_session, indexed, make_submission):
    submission = make_submission().submission
    found = for_submission(db_session, submission)
    assert found[0].case_file.file_number == "WZ-2022-00017"


def _candidate(score):
    return Candidate(case_file=None, score=score, reasons=[])


def test_auto_attach_only_when_unique_and_above_the_threshold():
    assert auto_attach_candidate([_candidate(0.97), _candidate(0.5)], 0.95, 0.1).score == 0.97
    assert auto_attach_candidate([_candidate(0.97)], 0.95, 0.1).score == 0.97
    assert auto_attach_candidate([_candidate(0.94), _candidate(0.2)], 0.95, 0.1) is None
    assert auto_attach_candidate([_candidate(0.97), _candidate(0.96)], 0.95, 0.1) is None
    assert auto_attach_candidate([], 0.95, 0.1) is None


def test_auto_attach_is_off_by_default_and_follows_the_office_switch(app, db_session, indexed, make_submission,
                                                                   monkeypatch, sites):
    submission = make_submission().submission
    with app.app_context():
        assert maybe_auto_attach(db_session, submission, settings_of(app).matching) is None  # off by default
        override_settings(monkeypatch, app, matching={"auto_attach": True, "auto_threshold": 0.99})
        assert maybe_auto_attach(db_session, submission, settings_of(app).matching) is None  # 0.94 is below 0.99
        override_settings(monkeypatch, app, matching={"auto_threshold": 0.9})
        # A second file of the same person (a duplicate) makes the match ambiguous.
        duplicate = CaseFile(file_number="DIL-2023-00999", surname="Shevchenko", given_names="Oleksandr",
                             date_of_birth=PartialDate(1987, 3), nationality="UKR", site=sites["DIL"])
        db_session.add(duplicate)
        index_case_file(db_session, duplicate)
        assert maybe_auto_attach(db_session, submission, settings_of(app).matching) is None
        db_session.delete(duplicate)
        db_session.flush()
        chosen = maybe_auto_attach(db_session, submission, settings_of(app).matching)
    db_session.commit()
    assert chosen is not None and chosen.case_file.file_number == "WZ-2022-00017"
    assert submission.status == SubmissionStatus.ATTACHED
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "attach"))
    assert event.staff_user_id is None and event.detail["automatic"] is True


def test_open_case_file_for_a_submission(db_session, indexed, make_submission, make_staff, sites):
    staff = make_staff("caseworker", "DIL")
    first = make_submission(surname="Koval", given_names="Iryna").submission
    case_file = open_case_file_for(db_session, first, sites["DIL"], staff)
    db_session.commit()
    year = case_file.created_at.year
    assert case_file.file_number == f"DIL-{year}-00001"
    assert (case_file.surname, case_file.given_names) == ("Koval", "Iryna")
    assert case_file.date_of_birth == PartialDate(1987, 3)
    assert first.case_file_id == case_file.id and first.status == SubmissionStatus.ATTACHED
    second = make_submission(surname="Bondar", given_names="Petro").submission
    assert open_case_file_for(db_session, second, sites["DIL"], staff).file_number == f"DIL-{year}-00002"
    db_session.commit()
    found = find_candidates(db_session, surname="Коваль", given_names="Ірина", date_of_birth=PartialDate(1987, 3, 2))
    assert found[0].case_file.file_number == f"DIL-{year}-00001"


def test_open_case_file_takes_the_next_number_when_a_colleague_was_quicker(db_session, indexed, make_submission,
                                                                         sites, monkeypatch):
    from portal.casefiles import operations

    submission = make_submission(surname="Koval", given_names="Iryna").submission
    proposals = iter(["WZ-2022-00017", "WZ-2022-00018"])  # the first one is taken meanwhile
    monkeypatch.setattr(operations, "next_file_number", lambda session, site, year: next(proposals))
    case_file = open_case_file_for(db_session, submission, sites["WZ"], None)
    db_session.commit()
    assert case_file.file_number == "WZ-2022-00018"
    assert indexed["WZ-2022-00017"].surname == "Шевченко"  # untouched
