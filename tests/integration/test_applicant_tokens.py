"""Applicants reach a submission or a booking only through its unguessable token: guessing
(random, another one's, truncated or altered tokens) is refused without telling whether the
reference exists, and used or outdated links do nothing more."""
import re
import secrets
from urllib.parse import quote

from sqlalchemy import func, select

from portal.models import Booking, OutboundMail
from tests.support.helpers import csrf_token_from
from tests.support.booking_journey import book

GENERIC = "could not find an application"


def _strip_values(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


def _open(client, reference, code):
    return client.get(f"/en/status/open?reference={quote(reference)}&code={quote(code)}")


def test_status_codes_do_not_fit_another_submission(app, make_submission):
    first, second = make_submission(), make_submission(surname="Коваленко", given_names="Ірина")
    assert first.status_code and second.status_code and first.status_code != second.status_code
    client = app.test_client()
    swapped = _open(client, first.submission.reference, second.status_code)
    assert swapped.status_code == 400 and GENERIC in swapped.get_data(as_text=True)
    assert client.get(f"/en/status/{first.submission.reference}").status_code == 302, "no access was granted"

    own = _open(client, second.submission.reference, second.status_code)
    assert own.status_code == 302
    # Access to one status page is no access to another.
    assert client.get(f"/en/status/{second.submission.reference}").status_code == 200
    assert client.get(f"/en/status/{first.submission.reference}").status_code == 302
    assert client.get(f"/en/status/{first.submission.reference}/receipt.pdf").status_code == 404


def test_altered_truncated_and_random_codes_reveal_nothing(app, make_submission):
    made = make_submission()
    reference, code = made.submission.reference, made.status_code
    last = code[-1]
    altered = code[:-1] + ("A" if last != "A" else "B")
    unknown_reference = reference[:-8] + "999999-" + reference[-1]
    answers = []
    for ref, guess in [(reference, altered), (reference, code[:-2]), (reference, ""),
                       (reference, secrets.token_hex(6)), (unknown_reference, code)]:
        response = _open(app.test_client(), ref, guess)
        assert response.status_code in (400,), (ref, guess)
        answers.append(_strip_values(response.get_data(as_text=True)))
    generic = [a for a in answers if GENERIC in a]
    assert len(generic) >= 4 and len(set(generic)) == 1, "the same answer whether the reference exists or not"


def test_booking_links_cannot_be_guessed_or_altered(client, db_session, bookable):  # noqa: F811
    manage = book(client, db_session, bookable).split("?")[0]
    token = manage.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    # The first character: the last one of unpadded base64 carries spare bits, and changing only
    # those leaves the same signature (this test once failed on "…B" -> "…A").
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    guesses = [secrets.token_urlsafe(40), token[:-5], f"{payload}.{stamp}.{flipped}",
               # Another booking's id in the payload: the signature no longer fits.
               "eyJiIjoyLCJuIjoiMDAwMCJ9" + f".{stamp}.{signature}"]
    bodies = set()
    for guess in guesses:
        response = client.get(f"/tr/appointments/manage/{guess}")
        assert response.status_code == 404, guess
        bodies.add(response.get_data(as_text=True))
        assert client.post(f"/tr/appointments/manage/{guess}/cancel", data={
            "csrf_token": csrf_token_from(client.get("/tr/status/").get_data(as_text=True))}).status_code == 404
    assert len(bodies) == 1, "every wrong link gets the same page"
    db_session.expire_all()
    assert db_session.scalars(select(Booking)).one().status == "confirmed"


def test_links_after_cancelling_do_nothing_more(client, db_session, bookable):  # noqa: F811
    manage = book(client, db_session, bookable).split("?")[0]
    confirm = _confirm_link(db_session)
    token = csrf_token_from(client.get(manage + "/cancel").get_data(as_text=True))
    assert client.post(manage + "/cancel", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    mails = db_session.scalar(select(func.count()).select_from(OutboundMail))

    # The manage link still shows the booking, as cancelled, without the actions.
    page = client.get(manage)
    assert page.status_code == 200 and "/cancel" not in page.get_data(as_text=True)
    # Cancelling again and confirming again change nothing and send nothing.
    assert client.post(manage + "/cancel", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    assert client.get(confirm).status_code == 410
    client.post(manage + "/move", data={"csrf_token": token, "slot": bookable[1].id})
    db_session.expire_all()
    booking = db_session.scalars(select(Booking)).one()
    assert booking.status == "cancelled" and booking.slot_id == bookable[0].id
    assert db_session.scalar(select(func.count()).select_from(OutboundMail)) == mails


def test_a_confirmation_link_clicked_twice_confirms_once(client, db_session, bookable):  # noqa: F811
    book(client, db_session, bookable)
    confirm = _confirm_link(db_session)
    mails = db_session.scalar(select(func.count()).select_from(OutboundMail))
    again = client.get(confirm)
    assert again.status_code == 302 and "/manage/" in again.headers["Location"]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(OutboundMail)) == mails, "no second confirmation"


def _confirm_link(db_session) -> str:
    db_session.expire_all()
    for mail in db_session.scalars(select(OutboundMail).order_by(OutboundMail.id)):
        found = re.search(r"https?://\S+/appointments/confirm/[\w.-]+", mail.body_text)
        if found:
            return "/" + found.group(0).split("://", 1)[1].split("/", 1)[1]
    raise AssertionError("no confirmation link was mailed")
