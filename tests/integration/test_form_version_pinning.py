"""A published version never changes under an applicant: a draft keeps the version it was started
with through a newer publication, the submission records that version, and the back office reads
its answers with that version's German labels; a draft started afterwards gets the new version."""
import copy

from sqlalchemy import select

from portal.forms.authoring import versions
from portal.forms.definitions.shipped import shipped
from portal.forms.definitions.texts import digest
from portal.models import Submission
from tests.support import samples
from tests.support.helpers import Applicant

CODE = "general-enquiry"


def _version_2(db_session, editor, team_lead):
    """The enquiry with a reworded subject label and a new required question on the enquiry step."""
    definition = copy.deepcopy(shipped()[CODE])
    enquiry = definition["steps"][-1]
    subject = next(f for f in enquiry["fields"] if f["name"] == "subject")
    subject["label"]["de"] = "Worum geht es?"
    subject["label"]["made_from"] = {lang: digest("Worum geht es?") for lang in subject["label"]["made_from"]}
    subject["label"]["uk"] = "Про що йдеться?"
    contact_way = {"name": "answer_by", "type": "yes_no", "label": {"de": "Dürfen wir Sie anrufen?"}}
    contact_way["label"].update({lang: f"{lang}: Dürfen wir Sie anrufen?" for lang in ("en", "uk", "ru", "ar", "tr", "fa")})
    contact_way["label"]["made_from"] = {lang: digest("Dürfen wir Sie anrufen?")
                                         for lang in ("en", "uk", "ru", "ar", "tr", "fa")}
    enquiry["fields"].append(contact_way)
    version = versions.new_version(db_session, CODE, definition, editor, note="Betreff klarer")
    versions.transition(db_session, version, "submit", editor)
    versions.transition(db_session, version, "publish", team_lead)
    db_session.commit()
    return version


def test_a_draft_started_on_version_1_submits_against_version_1(client, app, db_session, sites, make_staff):
    applicant = Applicant(client, "uk")
    applicant.start(CODE)
    steps = samples.STEPS[CODE]
    assert applicant.step(CODE, "identity", steps["identity"]).status_code == 302

    _version_2(db_session, make_staff("editor"), make_staff("team_lead"))

    # The draft's own steps: version 1's label, and no new question.
    page = client.get(f"/uk/apply/{CODE}/enquiry").get_data(as_text=True)
    assert "answer_by" not in page and "Про що йдеться?" not in page
    for step in ("contact", "enquiry"):
        assert applicant.step(CODE, step, steps[step]).status_code == 302
    assert applicant.upload(CODE, samples.FILES[CODE]).status_code == 302
    assert applicant.step(CODE, "documents", {}).status_code == 302
    assert applicant.step(CODE, "review", {}).headers["Location"].endswith("/declaration")
    assert applicant.submit(CODE).status_code == 302

    submission = db_session.scalar(select(Submission).order_by(Submission.id.desc()))
    assert submission.form_version == 1

    # A new applicant starts on version 2 and is asked the new question, with the new label.
    newcomer = Applicant(app.test_client(), "uk")
    newcomer.start(CODE)
    for step in ("identity", "contact"):
        assert newcomer.step(CODE, step, steps[step]).status_code == 302
    page = newcomer.client.get(f"/uk/apply/{CODE}/enquiry").get_data(as_text=True)
    assert "answer_by" in page and "Про що йдеться?" in page
    refused = newcomer.step(CODE, "enquiry", steps["enquiry"])
    assert refused.status_code == 200  # the new question is required
    assert newcomer.step(CODE, "enquiry", {**steps["enquiry"], "answer_by": "yes"}).status_code == 302


def test_the_back_office_reads_answers_with_their_versions_labels(app, db_session, sites, make_staff):
    from portal.forms.display import label_in
    from portal.forms.registry import form_for, submission_form

    _version_2(db_session, make_staff("editor"), make_staff("team_lead"))
    with app.test_request_context():
        old, new = form_for(CODE, 1), form_for(CODE)
        assert new.version == 2
        assert label_in(old.field("subject").label, "de") == "Betreff"
        assert label_in(new.field("subject").label, "de") == "Worum geht es?"

        class _Made:  # a submission as the back office holds it
            form_version = 1
            service = type("S", (), {"code": CODE})

        assert submission_form(_Made()) is old
