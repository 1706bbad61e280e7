"""The six services defined as data (portal/forms/seed): each applied for through the test client
in another language, stored as cleaned, with its receipt and in the back office in German; and the
conditions of their definitions (fields, steps and document slots asked or passed over by the
answers), the rules as data and the several values of a checkboxes field."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.forms.definitions.shipped import shipped
from portal.forms.registry import current_forms
from portal.models import Document, OutboundMail, Submission, SubmissionStatus
from tests.support import samples
from tests.support.helpers import Applicant, sign_in

# service -> (applicant's language, site by the sample's postcode, the back office's German label of a
# field of this service and the German value shown for the sample's answer)
NEW_SERVICES = {
    "settlement-permit": ("fa", "WZ", "Auf welcher Grundlage beantragen Sie die Niederlassungserlaubnis?",
                          "Als Fachkraft: nach drei Jahren (§ 18c Abs. 1 AufenthG)"),
    "family-reunification": ("ar", "DIL", "Zu wem sind Sie nach Deutschland gekommen?",
                             "Zu meinem Ehepartner oder meiner Ehepartnerin"),
    "eu-blue-card": ("tr", "WZ", "Ist Ihr ausländischer Abschluss in Deutschland anerkannt oder vergleichbar?",
                     "Ja, laut Datenbank anabin"),
    "employment-permission": ("ru", "DIL", "Wofür brauchen Sie die Erlaubnis?", "Für eine Berufsausbildung"),
    "fictional-certificate": ("uk", "WZ", "Wofür brauchen Sie die Bescheinigung?",
                              "Für meinen Arbeitgeber, Für Behörden, zum Beispiel Jobcenter oder Familienkasse, "
                              "Für eine Reise ins Ausland"),
    "passport-replacement": ("de", "DIL", "Reiseziel (Land)", "Schweden"),
}


def _submission(db_session) -> Submission:
    db_session.expire_all()
    return db_session.scalars(select(Submission)).one()


def _text(html: str) -> str:
    """A page's text as read: tags removed, entities resolved, white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _rule_message(code: str, field: str, kind: str, lang: str) -> str:
    """The message a definition gives a rule of a field, in a language."""
    for step in shipped()[code]["steps"]:
        for spec in step["fields"]:
            if spec["name"] == field:
                rule = next(r for r in spec["rules"] if r["kind"] == kind)
                return rule["message"][lang]
    raise LookupError(field)


def _fill(applicant: Applicant, code: str, steps: dict) -> None:
    applicant.start(code)
    for step, data in steps.items():
        response = applicant.step(code, step, data)
        assert response.status_code == 302, (step, _text(response.get_data(as_text=True))[:400])


def test_the_new_services_are_all_here_with_a_sample():
    assert set(NEW_SERVICES) <= set(current_forms()) and set(NEW_SERVICES) <= set(samples.STEPS)
    assert len({lang for lang, *_ in NEW_SERVICES.values()}) == len(NEW_SERVICES), "a language per service"


@pytest.mark.parametrize("code", sorted(NEW_SERVICES))
def test_a_new_service_applied_for_online(app, client, sites, db_session, make_staff, code):
    lang, site, label, shown = NEW_SERVICES[code]
    form = current_forms()[code]
    response = Applicant(client, lang).apply(code, samples.STEPS[code], samples.FILES[code])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{lang}/apply/{code}/done")

    submission = _submission(db_session)
    cleaned = samples.cleaned(code)
    assert submission.service.code == code and submission.form_version == 1 and submission.language == lang
    assert submission.status == SubmissionStatus.RECEIVED and submission.channel == "web"
    # Every field of the form, as cleaned; a field not asked for the sample's answers is stored empty.
    assert submission.field_values == {spec.name: cleaned.get(spec.name, "") for spec in form.fields}
    assert submission.applicant_surname == cleaned["surname"] and submission.site.code == site
    uploaded = db_session.scalars(select(Document).where(Document.submission_id == submission.id,
                                                         Document.derived_from_id.is_(None))).all()
    assert sorted(d.original_filename for d in uploaded) == sorted(
        name for files in samples.FILES[code].values() for name, _ in files)
    assert {d.kind for d in uploaded} == set(samples.FILES[code])

    done = client.get(response.headers["Location"]).get_data(as_text=True)
    status_code = re.search(r'class="status-code" dir="ltr">([A-Z0-9-]+)<', done).group(1)
    assert submission.receipt_sha256, "the receipt PDF was made"
    receipt = client.get(f"/{lang}/status/{submission.reference}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(receipt.data)).pages)
    assert submission.reference in text and status_code in text
    assert label in text, "beside the applicant's language, the German label of each answer"
    mail = db_session.scalars(select(OutboundMail)).one()
    assert mail.recipient == cleaned["email"] and mail.language == lang
    assert mail.attachments[0]["sha256"] == submission.receipt_sha256

    staff = app.test_client()
    sign_in(staff, make_staff("caseworker", site).email)
    queue = _text(staff.get("/backoffice/queue").get_data(as_text=True))
    assert submission.reference in queue and shipped()[code]["service"]["name_de"] in queue
    page = staff.get(f"/backoffice/submissions/{submission.reference}")
    assert page.status_code == 200
    body = _text(page.get_data(as_text=True))
    assert f"{label} {shown}" in body, "the German label of the service's field, with the answer in German"
    assert "Familienname" in body and "Geburtsdatum" in body


# -- family reunification: the spouse's questions and the marriage certificate ---------------------------

CHILD = {"relationship": "child", "sponsor_surname": "الخطيب", "sponsor_given_names": "أحمد",
         **samples._date("sponsor_date_of_birth", 15, 1, 1991), "sponsor_status": "protection",
         "sponsor_nationality": "SYR", "sponsor_file_number": "",
         # What the browser still sends of the spouse's questions hidden meanwhile (typed, then the
         # answer changed): not asked, so not stored.
         **samples._date("marriage_date", 12, 8, 2021), "marriage_country": "TUR",
         "custody": "parent_in_germany"}
SPOUSE_ONLY = ("marriage_date", "marriage_country", "german_a1")
SPOUSE_LABELS = ("Datum der Eheschließung", "Land der Eheschließung", "Haben Sie einen Nachweis über einfache")


def _box_of(page: str, input_id: str) -> str:
    """The opening tag of the box around a field whose condition names a field of its own step: such
    a field is in the page, and hidden (`hidden`) while its condition does not hold (the browser's
    script shows it as the applicant answers; the server judges the condition again)."""
    box = re.search(r'<div class="conditional-field"[^>]*>(?:(?!<div class="conditional-field").)*?'
                    rf'id="{input_id}"', page, re.S)
    assert box, f"{input_id} is not in a conditional box"
    return box.group(0).split(">", 1)[0] + ">"


def _hidden(page: str, input_id: str) -> bool:
    return _box_of(page, input_id).endswith(" hidden>")


def _shown_in_review(client, lang: str, code: str) -> str:
    return _text(client.get(f"/{lang}/apply/{code}/review").get_data(as_text=True))


def test_a_child_is_not_asked_the_spouses_questions_nor_for_a_marriage_certificate(client, sites, db_session):
    code, steps = "family-reunification", samples.STEPS["family-reunification"]
    applicant = Applicant(client, "de")
    _fill(applicant, code, {"identity": steps["identity"], "contact": steps["contact"], "family": CHILD,
                            "stay": steps["stay"]})
    page = client.get(f"/de/apply/{code}/family").get_data(as_text=True)
    assert all(_hidden(page, f"f-{name}") for name in ("marriage_date-day", "marriage_country", "german_a1"))
    assert not _hidden(page, "f-custody"), "the custody question is shown"

    from portal.models import ApplicationDraft

    draft = db_session.scalars(select(ApplicationDraft)).one()
    assert all(draft.values[name] == "" for name in SPOUSE_ONLY), "sent, but not asked: not stored"
    assert draft.values["custody"] == "parent_in_germany"

    documents = client.get(f"/de/apply/{code}/documents").get_data(as_text=True)
    assert 'id="f-file-marriage_certificate"' not in documents and 'id="f-file-language_certificate"' not in documents
    assert 'id="f-file-birth_certificate"' in documents and 'id="f-file-custody_proof"' in documents
    assert 'id="f-file-sponsor_income"' not in documents, "not asked of a protected person's family"
    files = {slot: items for slot, items in samples.FILES[code].items()
             if slot not in ("marriage_certificate", "language_certificate", "sponsor_income", "rental_contract")}
    applicant.upload(code, {**files, "birth_certificate": [("شهادة-ميلاد.pdf", samples.pdf_bytes)],
                            "custody_proof": [("sorgerecht.pdf", samples.pdf_bytes)]})
    assert applicant.step(code, "documents", {}).headers["Location"].endswith(f"/apply/{code}/review")
    review = _shown_in_review(client, "de", code)
    assert "Ihre Familie in Deutschland" in review and "Zu meiner Mutter oder meinem Vater" in review
    assert not any(label in review for label in SPOUSE_LABELS)
    assert "Wer hat das Sorgerecht? Nur der Elternteil in Deutschland" in review


def test_a_spouse_is_asked_the_spouses_questions_and_for_the_marriage_certificate(client, sites):
    code, steps = "family-reunification", samples.STEPS["family-reunification"]
    applicant = Applicant(client, "ar")
    _fill(applicant, code, steps)
    page = client.get(f"/ar/apply/{code}/family").get_data(as_text=True)
    assert not any(_hidden(page, f"f-{name}") for name in ("marriage_date-day", "marriage_country", "german_a1"))
    assert _hidden(page, "f-custody")
    documents = client.get(f"/ar/apply/{code}/documents").get_data(as_text=True)
    assert 'id="f-file-marriage_certificate"' in documents and 'id="f-file-language_certificate"' in documents
    assert 'id="f-file-birth_certificate"' not in documents and 'id="f-file-custody_proof"' not in documents
    missing = applicant.step(code, "documents", {})
    assert missing.status_code == 200 and 'href="#f-file-marriage_certificate"' in missing.get_data(as_text=True)


def test_a_spouses_answers_are_in_the_review(client, sites):
    code, steps = "family-reunification", samples.STEPS["family-reunification"]
    spouse = Applicant(client, "de")
    _fill(spouse, code, steps)
    spouse.upload(code, samples.FILES[code])
    spouse.step(code, "documents", {})
    review = _shown_in_review(client, "de", code)
    assert all(label in review for label in SPOUSE_LABELS) and "Land der Eheschließung Türkei" in review
    assert "Wer hat das Sorgerecht?" not in review


@pytest.mark.parametrize("request_type, asked", [("training", set()), ("new_job", {"temp_agency"}),
                                                 ("change_employer", {"temp_agency", "previous_employer"})])
def test_questions_governed_by_an_earlier_step_are_not_in_the_page(client, sites, request_type, asked):
    """A field whose condition names an earlier step is left out of the page by the server."""
    code, steps = "employment-permission", samples.STEPS["employment-permission"]
    applicant = Applicant(client, "ru")
    _fill(applicant, code, {"identity": steps["identity"], "contact": steps["contact"],
                            "status": {**steps["status"], "request_type": request_type}})
    page = client.get(f"/ru/apply/{code}/job").get_data(as_text=True)
    assert {name for name in ("temp_agency", "previous_employer") if f'name="{name}"' in page} == asked
    assert 'name="employer_name"' in page and "conditional-field" not in page


# -- passport replacement: the travel step --------------------------------------------------------------

def _step_list(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]*" class="step-list">(.*?)</nav>', html, re.S).group(1)
    return [_text(re.sub(r'<span class="step-list__number">[^<]*</span>', "", item))
            for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)]


@pytest.mark.parametrize("document_type, asked", [("id_substitute", False), ("travel_document", True),
                                                  ("unsure", True)])
def test_the_travel_step_is_asked_only_for_a_travel_document(client, sites, document_type, asked):
    code, steps = "passport-replacement", samples.STEPS["passport-replacement"]
    applicant = Applicant(client, "de")
    _fill(applicant, code, {"identity": steps["identity"], "contact": steps["contact"]})
    response = applicant.step(code, "document", {**steps["document"], "document_type": document_type})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/de/apply/{code}/{'travel' if asked else 'documents'}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    titles = _step_list(page)
    assert titles[:3] == ["Angaben zu Ihrer Person", "So erreichen wir Sie", "Ihr Antrag"]
    assert ("Ihre Reisepläne" in titles) == asked and len(titles) == 6 + asked
    travel = client.get(f"/de/apply/{code}/travel")
    if asked:
        assert travel.status_code == 200 and 'id="f-travel_destination"' in travel.get_data(as_text=True)
        assert applicant.step(code, "travel", steps["travel"]).headers["Location"].endswith(f"/apply/{code}/documents")
    else:  # passed over: not even by its address
        assert travel.status_code == 302 and travel.headers["Location"].endswith(f"/apply/{code}/documents")
        back = applicant.step(code, "documents", {}, action="back")
        assert back.headers["Location"].endswith(f"/apply/{code}/document"), "back goes over it too"


def test_an_id_substitute_is_submitted_without_travel_plans(client, sites, db_session):
    code, steps = "passport-replacement", samples.STEPS["passport-replacement"]
    without_travel = {key: data for key, data in steps.items() if key != "travel"}
    without_travel["document"] = {**steps["document"], "document_type": "id_substitute"}
    files = {slot: items for slot, items in samples.FILES[code].items() if slot != "travel_proof"}
    response = Applicant(client, "de").apply(code, without_travel, files)
    assert response.status_code == 302
    values = _submission(db_session).field_values
    assert values["document_type"] == "id_substitute"
    assert all(values[name] == "" for name in ("travel_planned", "travel_destination", "travel_from"))


def test_travel_plans_given_before_choosing_an_id_substitute_are_not_submitted(client, sites, db_session):
    code, steps = "passport-replacement", samples.STEPS["passport-replacement"]
    applicant = Applicant(client, "de")
    _fill(applicant, code, steps)  # a Reiseausweis first, with the travel plans
    changed = applicant.step(code, "document", {**steps["document"], "document_type": "id_substitute"})
    assert changed.headers["Location"].endswith(f"/apply/{code}/documents")
    files = {slot: items for slot, items in samples.FILES[code].items() if slot != "travel_proof"}
    applicant.upload(code, files)
    applicant.step(code, "documents", {})
    review = _shown_in_review(client, "de", code)
    assert "Ihre Reisepläne" not in review and "Schweden" not in review, "the review leaves them out"
    applicant.step(code, "review", {})
    assert applicant.submit(code).status_code == 302
    values = _submission(db_session).field_values
    assert values["document_type"] == "id_substitute"
    assert [values[name] for name in ("travel_planned", "travel_destination", "travel_reason")] == ["", "", ""]


def test_answers_hidden_by_a_changed_earlier_answer_are_not_submitted(client, sites, db_session):
    code, steps = "employment-permission", samples.STEPS["employment-permission"]
    applicant = Applicant(client, "de")
    _fill(applicant, code, {"identity": steps["identity"], "contact": steps["contact"],
                            "status": {**steps["status"], "request_type": "change_employer"},
                            "job": {**steps["job"], "previous_employer": "Alte Firma GmbH", "temp_agency": "yes"}})
    assert applicant.step(code, "status", steps["status"]).status_code == 302  # a training after all
    applicant.upload(code, samples.FILES[code])
    assert applicant.step(code, "documents", {}).headers["Location"].endswith(f"/apply/{code}/review")
    assert "Alte Firma GmbH" not in _shown_in_review(client, "de", code), "the review leaves it out"
    applicant.step(code, "review", {})
    assert applicant.submit(code).status_code == 302
    values = _submission(db_session).field_values
    assert values["request_type"] == "training"
    assert values["previous_employer"] == "" and values["temp_agency"] == ""


# -- a rule as data: required_if -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["de", "ru"])
def test_a_training_needs_its_end_date(client, sites, lang):
    code, steps = "employment-permission", samples.STEPS["employment-permission"]
    applicant = Applicant(client, lang)
    _fill(applicant, code, {key: steps[key] for key in ("identity", "contact", "status")})
    without_end = {**steps["job"], **samples._date("end_date", "", "", "")}
    refused = applicant.step(code, "job", without_end)
    body = refused.get_data(as_text=True)
    message = _rule_message(code, "end_date", "required_if", lang)
    assert refused.status_code == 200 and 'href="#f-end_date-day"' in body
    assert re.search(r'<p class="kern-error" id="f-end_date-error">.*?<span class="kern-body">'
                     + re.escape(message) + "</span>", body, re.S), "the definition's message at the field"
    assert set(re.findall(r'id="f-([a-z_]+)-error"', body)) == {"end_date"}
    assert applicant.step(code, "job", steps["job"]).status_code == 302


def test_an_internship_needs_no_wage_but_a_job_does(client, sites):
    code, steps = "employment-permission", samples.STEPS["employment-permission"]
    applicant = Applicant(client, "en")
    _fill(applicant, code, {key: steps[key] for key in ("identity", "contact")})
    unpaid = {**steps["job"], "monthly_gross_wage": ""}
    for request_type, accepted in (("internship", True), ("new_job", False)):
        applicant.step(code, "status", {**steps["status"], "request_type": request_type})
        response = applicant.step(code, "job", {**unpaid, "temp_agency": "no"})
        assert (response.status_code == 302) == accepted, request_type
        if not accepted:
            assert 'id="f-monthly_gross_wage-error"' in response.get_data(as_text=True)


def test_living_apart_must_be_explained_in_the_remarks(client, sites):
    code, steps = "family-reunification", samples.STEPS["family-reunification"]
    applicant = Applicant(client, "ar")
    _fill(applicant, code, {key: steps[key] for key in ("identity", "contact", "family")})
    apart = {**steps["stay"], "same_household": "no"}
    refused = applicant.step(code, "stay", apart)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert re.search(r'id="f-same_household-error">.*?<span class="kern-body">'
                     + re.escape(_rule_message(code, "same_household", "required_if", "ar")) + "</span>", body, re.S)
    explained = {**apart, "remarks": "زوجي يعمل في فرانكفورت ويأتي في نهاية الأسبوع."}
    assert applicant.step(code, "stay", explained).status_code == 302


# -- fictional certificate: several ticked boxes ----------------------------------------------------------

def test_several_ticked_boxes_are_kept_and_shown_in_the_review(client, sites, db_session):
    from portal.models import ApplicationDraft

    code, steps = "fictional-certificate", samples.STEPS["fictional-certificate"]
    applicant = Applicant(client, "uk")
    _fill(applicant, code, {key: data for key, data in steps.items() if key != "work_travel"})
    # Ticked in another order than the form's: kept in the form's order, each once.
    response = applicant.step(code, "work_travel", {**steps["work_travel"],
                                                    "needs_for": ["travel", "employer", "travel", "authorities"]})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.scalars(select(ApplicationDraft)).one().values["needs_for"] == "employer,authorities,travel"

    page = client.get(f"/uk/apply/{code}/work_travel").get_data(as_text=True)
    ticked = dict(re.findall(r'<input class="kern-form-check__checkbox" type="checkbox" id="f-needs_for[^"]*"\s+'
                             r'name="needs_for" value="([a-z_]+)" (checked)?', page))
    assert ticked == {"employer": "checked", "authorities": "checked", "travel": "checked", "other": ""}

    applicant.upload(code, samples.FILES[code])
    applicant.step(code, "documents", {})
    review = _shown_in_review(client, "uk", code)
    labels = {c["value"]: c["label"]["uk"] for step in shipped()[code]["steps"] for f in step["fields"]
              if f["name"] == "needs_for" for c in f["choices"]}
    question = next(f["label"]["uk"] for step in shipped()[code]["steps"] for f in step["fields"]
                    if f["name"] == "needs_for")
    assert f"{question} {labels['employer']}, {labels['authorities']}, {labels['travel']}" in review
    assert labels["other"] not in review


def test_an_unknown_box_is_refused(client, sites):
    code, steps = "fictional-certificate", samples.STEPS["fictional-certificate"]
    applicant = Applicant(client, "en")
    _fill(applicant, code, {key: data for key, data in steps.items() if key != "work_travel"})
    refused = applicant.step(code, "work_travel", {**steps["work_travel"], "needs_for": ["employer", "holiday"]})
    assert refused.status_code == 200 and 'href="#f-needs_for"' in refused.get_data(as_text=True)


def test_no_box_ticked_asks_no_travel_dates(client, sites, db_session):
    from portal.models import ApplicationDraft

    code, steps = "fictional-certificate", samples.STEPS["fictional-certificate"]
    applicant = Applicant(client, "en")
    _fill(applicant, code, {key: data for key, data in steps.items() if key != "work_travel"})
    nothing_ticked = {name: value for name, value in steps["work_travel"].items() if name != "needs_for"}
    assert applicant.step(code, "work_travel", nothing_ticked).status_code == 302
    db_session.expire_all()
    values = db_session.scalars(select(ApplicationDraft)).one().values
    assert values["needs_for"] == "" and values["travel_from"] == values["travel_until"] == ""


@pytest.mark.parametrize("staff_language", ["de", "en"])
def test_a_stateless_applicants_nationality_is_shown_in_german_in_the_back_office(app, client, sites, db_session,
                                                                                 make_staff, staff_language):
    """The passport replacement's sample is stateless (XXA), and applies in Arabic: the back office
    shows the German word, as for every other answer, whatever language the caseworker reads it in."""
    from tests.support.helpers import staff_in_english

    code = "passport-replacement"
    Applicant(client, "ar").apply(code, samples.STEPS[code], samples.FILES[code])
    reference = _submission(db_session).reference
    staff = app.test_client()
    user = (staff_in_english(make_staff, db_session, site="DIL") if staff_language == "en"
            else make_staff("caseworker", "DIL"))
    sign_in(staff, user.email)
    body = _text(staff.get(f"/backoffice/submissions/{reference}").get_data(as_text=True))
    assert "Reiseziel (Land) Schweden" in body
    assert "Staatsangehörigkeit Staatenlos" in body
