"""The application's pages as made from the definitions: a date's example is given once, in the
page's language, also when the definition's own hint is that example."""
from flask_babel import force_locale

from portal.forms.fields import BIRTH_DATE_HINT
from tests.support.helpers import Applicant


def test_the_birth_date_example_is_shown_once(client, app, sites):
    applicant = Applicant(client, "ar")
    applicant.start("general-enquiry")
    page = client.get("/ar/apply/general-enquiry/identity").get_data(as_text=True)
    with app.test_request_context(), force_locale("ar"):
        example = str(BIRTH_DATE_HINT)
    assert page.count(example) == 1


def test_the_service_page_says_which_documents_only_some_applicants_need(client, sites):
    from portal.forms.definitions.shipped import shipped

    slots = shipped()["family-reunification"]["documents"]
    some = next(slot for slot in slots if slot.get("show_if"))
    page = client.get("/de/services/family-reunification/").get_data(as_text=True)
    assert f"{some['label']['de']} (falls es auf Sie zutrifft)" in page
    always = next(slot for slot in slots if not slot.get("show_if") and slot.get("required", True))
    assert f"{always['label']['de']}</" in page or f"{always['label']['de']}\n" in page
