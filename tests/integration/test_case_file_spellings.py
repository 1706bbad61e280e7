"""Known spellings of a case file with their kinds (passport, earlier passport, birth name,
script original, seen elsewhere): each one used by the matching, the phone desk and the case-file
search, each change audited; names, places of birth and addresses shown with their Latin form,
free text as written (SQLite and PostgreSQL)."""
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.casefiles.operations import record_spelling, remove_spelling
from portal.casework.lookup import lookup
from portal.domain.dates import PartialDate
from portal.matching import find_candidates
from portal.matching.index import index_case_file
from portal.models import AuditEvent, CaseFile, CaseFileAlias, CaseFileNameKey, SpellingKind
from tests.support import samples
from tests.support.helpers import Applicant, csrf_token_from, sign_in

BORN = PartialDate(1991, 6, 12)


@pytest.fixture
def mariia(db_session, sites):
    """A Wetzlar file in Cyrillic, and a namesake of nobody: the spellings below are all it has."""
    case_file = CaseFile(file_number="WZ-2019-00101", surname="Коваленко", given_names="Марія", date_of_birth=BORN,
                         place_of_birth="Київ", nationality="UKR", site=sites["WZ"])
    db_session.add(case_file)
    index_case_file(db_session, case_file)
    db_session.commit()
    return case_file


# Each kind with a spelling that nothing but that known spelling leads to, and its reason.
KINDS = [
    (SpellingKind.PASSPORT, "Meyer", "Mariia", "Spelling of the passport (Meyer Mariia)"),
    (SpellingKind.EARLIER_PASSPORT, "Bondarenko", "Mariia", "Spelling of an earlier passport (Bondarenko Mariia)"),
    (SpellingKind.BIRTH_NAME, "Tkachenko", "Mariia", "Birth name (Tkachenko Mariia)"),
    (SpellingKind.SCRIPT_ORIGINAL, "Лисенко", "Марія", "Name in its own script (Лисенко Марія)"),
    (SpellingKind.OTHER, "Rudenko", "Maria", "Known spelling (Rudenko Maria)"),
]


@pytest.mark.parametrize("kind, surname, given, reason", KINDS, ids=[k.value for k, *_ in KINDS])
def test_every_kind_of_spelling_finds_the_file(app, client, db_session, mariia, make_staff, kind, surname, given,
                                              reason):
    staff = make_staff("caseworker", "WZ")

    def score() -> float:
        found = find_candidates(db_session, surname=surname, given_names="Mariia", date_of_birth=BORN)
        return next((c.score for c in found if c.case_file.id == mariia.id), 0.0)

    before = score()
    assert before < 0.75  # only the given name and the date of birth fit
    alias = record_spelling(db_session, mariia, surname, given, kind, staff, client_address="10.1.2.3")
    db_session.commit()
    assert alias.kind == kind

    # The matching: the file first, with the known spelling named as the reason.
    found = find_candidates(db_session, surname=surname, given_names="Mariia", date_of_birth=BORN)
    assert found[0].case_file.file_number == mariia.file_number and found[0].score >= 0.9
    with app.app_context(), force_locale("en"):
        assert reason in found[0].reason_texts()
    # The phone desk: by name and date of birth.
    hits = lookup(db_session, f"{surname} Mariia 12.06.1991", staff).hits
    assert hits and hits[0].case_file.file_number == mariia.file_number
    # The case-file search: by the beginning of the surname.
    sign_in(client, staff.email)
    page = client.get("/backoffice/casefiles", query_string={"q": surname[:4]}).get_data(as_text=True)
    assert mariia.file_number in page

    # Removed, the spelling leads nowhere any more; both changes are in the audit trail.
    remove_spelling(db_session, mariia, alias, staff, client_address="10.1.2.3")
    db_session.commit()
    assert score() == before
    details = [e.detail for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "change", AuditEvent.object_id == mariia.file_number).order_by(AuditEvent.id))]
    spelling = f"{surname}, {given}"
    assert details == [{"spelling_added": spelling, "kind": kind.value},
                       {"spelling_removed": spelling, "kind": kind.value}]


def test_a_new_passport_makes_the_old_one_earlier_and_nothing_is_recorded_twice(db_session, mariia, make_staff):
    staff = make_staff("caseworker", "WZ")
    seen = record_spelling(db_session, mariia, "KOVALENKO", "MARIIA", SpellingKind.OTHER, staff)
    first = record_spelling(db_session, mariia, "Kovalenko", "Mariia", SpellingKind.PASSPORT, staff)
    db_session.commit()
    # The spelling seen elsewhere with the same letters became the passport's, not a second row.
    assert first.id == seen.id and first.kind == SpellingKind.PASSPORT and first.surname == "Kovalenko"
    assert record_spelling(db_session, mariia, "KOVALENKO", "Mariia", SpellingKind.PASSPORT, staff) is None
    second = record_spelling(db_session, mariia, "Meyer", "Mariia", SpellingKind.PASSPORT, staff)
    db_session.commit()
    kinds = {(a.surname, a.kind) for a in db_session.scalars(select(CaseFileAlias)
                                                               .where(CaseFileAlias.case_file_id == mariia.id))}
    assert kinds == {("Kovalenko", "earlier_passport"), ("Meyer", "passport")}
    assert second.kind == SpellingKind.PASSPORT
    details = [e.detail for e in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "change")
                                                    .order_by(AuditEvent.id))]
    assert details[1] == {"spelling_added": "Kovalenko, Mariia", "kind": "passport", "kind_was": "other"}
    assert details[-1] == {"spelling_added": "Meyer, Mariia", "kind": "passport",
                           "now_earlier_passport": ["Kovalenko, Mariia"]}
    assert len(details) == 3  # the repeated passport spelling changed nothing and wrote nothing
    keys = set(db_session.scalars(select(CaseFileNameKey.key).where(CaseFileNameKey.case_file_id == mariia.id)))
    assert {"meyer", "kovalenko"} <= keys


def test_the_case_file_page_records_and_removes_spellings(client, db_session, mariia, make_staff):
    sign_in(client, make_staff("caseworker", "WZ").email)
    url = f"/backoffice/casefiles/{mariia.file_number}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="kind"' in page and 'value="passport"' in page
    token = csrf_token_from(page)
    refused = client.post(url + "/spellings", data={"csrf_token": token, "kind": "passport", "surname": " "})
    assert refused.status_code == 302
    refused = client.post(url + "/spellings", data={"csrf_token": token, "kind": "nickname", "surname": "Masha"})
    assert refused.status_code == 302
    assert db_session.scalar(select(CaseFileAlias.id).where(CaseFileAlias.case_file_id == mariia.id)) is None
    added = client.post(url + "/spellings", data={"csrf_token": token, "kind": "passport", "surname": "KOVALENKO",
                                                  "given_names": "MARIIA"})
    assert added.status_code == 302 and added.headers["Location"].endswith("#spellings")
    alias = db_session.scalars(select(CaseFileAlias).where(CaseFileAlias.case_file_id == mariia.id)).one()
    assert (alias.kind, alias.surname, alias.given_names) == ("passport", "KOVALENKO", "MARIIA")
    page = client.get(url).get_data(as_text=True)
    assert "casefile-alias--passport" in page
    assert "(KOVALENKO)" in page and "(MARIIA)" in page  # the passport's spelling beside the Cyrillic name
    assert "(Kyiv)" in page  # the place of birth in Latin letters too
    # Another file's spelling cannot be removed through this one.
    other = CaseFile(file_number="WZ-2019-00102", surname="Бойко", given_names="Іван", site=mariia.site,
                     aliases=[CaseFileAlias(surname="Boiko", given_names="Ivan")])
    db_session.add(other)
    db_session.commit()
    client.post(url + "/spellings/remove", data={"csrf_token": token, "spelling": other.aliases[0].id})
    assert db_session.scalar(select(CaseFileAlias.id).where(CaseFileAlias.surname == "Boiko")) is not None
    removed = client.post(url + "/spellings/remove", data={"csrf_token": token, "spelling": alias.id})
    assert removed.status_code == 302
    db_session.expire_all()
    assert db_session.scalar(select(CaseFileAlias.id).where(CaseFileAlias.case_file_id == mariia.id)) is None
    actions = [e.detail for e in db_session.scalars(select(AuditEvent).where(
        AuditEvent.object_id == mariia.file_number, AuditEvent.action == "change").order_by(AuditEvent.id))]
    assert [list(d)[0] for d in actions] == ["spelling_added", "spelling_removed"]


def test_only_names_places_and_addresses_get_a_latin_form(app, client, db_session, sites, make_staff):
    """The applicant's message is free text: shown as written, with no letters made up beside it."""
    from portal.models import Submission

    Applicant(app.test_client(), "ar").apply("general-enquiry", samples.STEPS["general-enquiry"],
                                             samples.FILES["general-enquiry"])
    submission = db_session.scalars(select(Submission)).one()
    sign_in(client, make_staff().email)
    page = client.get(f"/backoffice/submissions/{submission.reference}").get_data(as_text=True)
    rows = {row.split("</th>")[0].rsplit(">", 1)[-1]: row for row in page.split('<tr><th scope="row">')[1:]}
    surname_row = next(row for label, row in rows.items() if "الحسن" in row)
    assert "(Al-Hassan)" in surname_row
    message_row = next(row for row in rows.values() if "مرحبا" in row)
    assert "transliteration" not in message_row.split("</tr>")[0]


def test_the_phone_desk_gives_one_line_each_and_the_reasons_behind_a_click(client, db_session, case_files,
                                                                            make_staff):
    sign_in(client, make_staff().email)
    page = client.get("/backoffice/lookup", query_string={"q": "Shevchenko Oleksandr 14.03.1987"}).get_data(
        as_text=True)
    hit = page[page.index('class="lookup-hit"'):]
    assert "<bdi>Шевченко</bdi>, <bdi>Олександр</bdi>" in hit and "(Shevchenko, Oleksandr)" in hit
    lines = hit[hit.index('<dl class="lookup-lines">'):hit.index("</dl>")]
    assert lines.count("<dt>") == 5  # date of birth, file number, site, open submissions, next appointment
    assert "00.03.1987" in lines and "WZ-2022-00017" in lines and "Wetzlar" in lines
    why = hit[hit.index('<details class="lookup-why">'):hit.index("</details>")]
    assert "<summary>" in why and "<li>" in why
