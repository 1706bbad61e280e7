"""The anti-bot check before a time is reserved, through HTTP: no solution, no place; a
solution holds a place once; the challenge endpoint; the widget on the page."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.appointments import pow as proof_of_work
from portal.appointments.calendar import bookable_days
from portal.appointments.slots import generate_slots
from portal.config import settings_of
from portal.domain.office_time import OFFICE_TZ, aware
from portal.models import Booking, ProofOfWorkRedemption, Service, ServiceCounters, Slot
from portal.models._types import utcnow
from tests.support.app_factory import override_settings
from tests.support.helpers import TEST_SECRET_KEY, csrf_token_from, solve_human_check

CODE, SITE = "card-collection", "WZ"


@pytest.fixture
def slot(db_session, sites) -> Slot:
    """The first bookable time of "card-collection" at Wetzlar, with two places."""
    service = db_session.scalar(select(Service).where(Service.code == CODE))
    counters = ServiceCounters(site_id=sites[SITE].id, service_id=service.id, counters=2, staff_counters=0)
    db_session.add(counters)
    db_session.flush()
    first, last = bookable_days(None, utcnow())
    assert generate_slots(db_session, counters, first, min(last, first + timedelta(days=14))) > 0
    db_session.commit()
    return db_session.scalars(select(Slot).where(Slot.service_id == service.id).order_by(Slot.starts_at)).first()


def _day_url(slot: Slot, lang: str) -> str:
    day = aware(slot.starts_at).astimezone(OFFICE_TZ).date().isoformat()
    return f"/{lang}/appointments/{CODE}/{SITE}/{day}"


def _hold(client, slot: Slot, lang: str = "en", solution: str | None = None):
    page = client.get(_day_url(slot, lang))
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "slot": str(slot.id)}
    if solution is not None:
        data["altcha"] = solution
    return client.post(f"/{lang}/appointments/hold", data=data)


def _places_taken(db_session, slot: Slot) -> int:
    db_session.expire_all()
    return db_session.get(Slot, slot.id).taken


def _bookings(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Booking))


def test_hold_without_a_solution_is_refused_and_takes_no_place(client, db_session, slot):
    response = _hold(client, slot)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Please wait until the check below is finished, then try again." in body
    assert "<altcha-widget" in body  # a fresh check on the page shown again
    assert _places_taken(db_session, slot) == 0 and _bookings(db_session) == 0


def test_hold_with_a_solution_reserves_the_time(client, db_session, slot):
    response = _hold(client, slot, "uk", solve_human_check(client, "uk"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/uk/appointments/details")
    assert _places_taken(db_session, slot) == 1 and _bookings(db_session) == 1
    assert db_session.scalar(select(func.count()).select_from(ProofOfWorkRedemption)) == 1


def test_a_replayed_solution_is_refused(client, db_session, slot):
    solution = solve_human_check(client, "en")
    assert _hold(client, slot, "en", solution).status_code == 302
    again = _hold(client, slot, "en", solution)
    assert again.status_code == 400
    assert "This check has already been used. Please try again." in again.get_data(as_text=True)
    assert _places_taken(db_session, slot) == 1 and _bookings(db_session) == 1


def test_a_replay_from_another_client_is_refused(app, db_session, slot):
    """Another browser (or another app node: the table is shared) gets nowhere with it either."""
    solution = solve_human_check(app.test_client(), "de")
    assert _hold(app.test_client(), slot, "de", solution).status_code == 302
    assert _hold(app.test_client(), slot, "de", solution).status_code == 400
    assert _places_taken(db_session, slot) == 1


def test_an_expired_solution_is_refused(client, db_session, slot):
    import altcha

    challenge = proof_of_work.create_challenge(TEST_SECRET_KEY, max_number=2_000, expiry_minutes=10,
                                               now=utcnow() - timedelta(minutes=11))
    solved = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"], "SHA-256", 2_000)
    payload = altcha.PayloadV1("SHA-256", challenge["challenge"], solved.number, challenge["salt"],
                               challenge["signature"]).to_base64()
    response = _hold(client, slot, "en", payload)
    assert response.status_code == 400
    assert "The check has expired. Please try again." in response.get_data(as_text=True)
    assert _places_taken(db_session, slot) == 0


def test_a_tampered_solution_is_refused(client, db_session, slot):
    import base64
    import json

    sent = json.loads(base64.b64decode(solve_human_check(client, "en")))
    sent["number"] += 1
    response = _hold(client, slot, "en", base64.b64encode(json.dumps(sent).encode()).decode())
    assert response.status_code == 400 and _places_taken(db_session, slot) == 0


def test_a_place_lost_to_someone_else_does_not_use_up_the_solution(client, db_session, slot):
    """The redemption is part of the hold's transaction: no hold, nothing remembered."""
    db_session.execute(Slot.__table__.update().where(Slot.id == slot.id).values(taken=2, public_taken=2))
    db_session.commit()
    response = _hold(client, slot, "en", solve_human_check(client, "en"))
    assert response.status_code == 409
    assert db_session.scalar(select(func.count()).select_from(ProofOfWorkRedemption)) == 0


def test_when_switched_off_no_solution_is_needed(app, client, db_session, slot, monkeypatch):
    override_settings(monkeypatch, app, human_check={"enabled": False})
    page = client.get(_day_url(slot, "en")).get_data(as_text=True)
    assert "altcha" not in page
    response = _hold(client, slot, "en")
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/appointments/details")
    assert _places_taken(db_session, slot) == 1
    assert client.get("/en/appointments/challenge").status_code == 404


def test_the_challenge_is_json_and_never_cached(app, client):
    response = client.get("/tr/appointments/challenge")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    challenge = response.get_json()
    assert set(challenge) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxNumber"] == settings_of(app).human_check.max_number
    assert re.search(r"\?expires=\d+&$", challenge["salt"])
    assert client.get("/tr/appointments/challenge").get_json()["challenge"] != challenge["challenge"]


def test_the_challenge_is_rate_limited_per_address(client):
    statuses = [client.get("/de/appointments/challenge").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    other = client.get("/de/appointments/challenge", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


@pytest.mark.parametrize("lang, direction", [("de", "ltr"), ("fa", "rtl"), ("ar", "rtl"), ("uk", "ltr")])
def test_the_widget_on_the_page(client, slot, lang, direction):
    response = client.get(_day_url(slot, lang))
    page = response.get_data(as_text=True)
    widget = re.search(r"<altcha-widget[^>]*>", page).group(0)
    assert f'challengeurl="/{lang}/appointments/challenge"' in widget
    assert 'name="altcha"' in widget and 'auto="onload"' in widget
    assert f'language="{lang}"' in widget and f'dir="{direction}"' in widget
    assert 'workerurl="/static/vendor/altcha/worker.js"' in widget
    assert f'<script type="module" src="/static/vendor/altcha/i18n/{lang}.js"></script>' in page
    assert '<script type="module" src="/static/vendor/altcha/altcha.js"></script>' in page
    assert 'href="/static/vendor/altcha/altcha.css"' in page
    # no inline script or style anywhere
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page) and "<style" not in page and " style=" not in page
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, re.DOTALL).group(1)
    assert f'href="/{lang}/contact"' in noscript
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_the_widget_files_are_served(client):
    for name, mimetype in [("altcha.js", "text/javascript"), ("worker.js", "text/javascript"),
                           ("altcha.css", "text/css"), ("i18n/fa.js", "text/javascript")]:
        response = client.get(f"/static/vendor/altcha/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == mimetype, name  # nosniff: scripts must say they are scripts
        response.close()


def test_a_language_without_widget_labels_falls_back_to_english(app):
    from portal.public import human_check

    with app.test_request_context("/"):
        assert human_check._widget_language("fa") == "fa"
        assert human_check._widget_language("xx") == "en"


def test_redeeming_twice_at_once_lets_one_through(app, db_session):
    """Two app nodes redeem the same solution at the same moment: the second waits for the first's
    transaction and is refused when it commits; the refused one's transaction goes on."""
    with app.app_context():
        from portal.extensions import db

        engine = db.engine
    expires = utcnow() + timedelta(minutes=5)
    first, second = Session(engine), Session(engine)
    try:
        assert proof_of_work.redeem(first, "c" * 64, expires) is True
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(proof_of_work.redeem(second, "c" * 64, expires)))
        worker.start()
        worker.join(0.5)
        first.commit()
        worker.join(30)
        assert outcome == [False]
        assert proof_of_work.redeem(second, "d" * 64, expires) is True
        second.commit()
    finally:
        first.close()
        second.close()
    assert set(db_session.scalars(select(ProofOfWorkRedemption.challenge_hash))) == {"c" * 64, "d" * 64}


def test_expired_redemptions_are_deleted_now_and_then(client, db_session, slot, monkeypatch):
    db_session.add(ProofOfWorkRedemption(challenge_hash="e" * 64, expires_at=utcnow() - timedelta(minutes=1)))
    db_session.add(ProofOfWorkRedemption(challenge_hash="f" * 64, expires_at=utcnow() + timedelta(minutes=5)))
    db_session.commit()
    monkeypatch.setattr(proof_of_work, "CLEANUP_ONE_IN", 1)  # this time
    solution = solve_human_check(client, "en")
    assert _hold(client, slot, "en", solution).status_code == 302
    kept = set(db_session.scalars(select(ProofOfWorkRedemption.challenge_hash)))
    assert "e" * 64 not in kept and "f" * 64 in kept and len(kept) == 2


def test_the_helper_solves_through_a_live_server(live_server):
    solution = solve_human_check(live_server, "ru")
    assert proof_of_work.check_solution(solution, TEST_SECRET_KEY).ok
