"""The inbound queue: filters, sort orders, keyset paging, age in working days against the
target, and claims (claim, renew, release, time-out, audit; one winner under parallel claims)."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework import queue as inbound
from portal.domain import office_time
from portal.models import AuditEvent, Service, Submission, SubmissionStatusChange
from tests.support.app_factory import default_settings, override_settings
from tests.support.helpers import csrf_token_from, in_parallel, sign_in

# Wednesday after Easter 2026: Good Friday (3 April) and Easter Monday (6 April) lie behind it.
NOW = datetime(2026, 4, 15, 10, 0, tzinfo=timezone.utc)
REFERENCE = re.compile(r">(ABH-\d{4}-\d{6}-\d)<")


@pytest.fixture
def fixed_now(monkeypatch):
    from portal.backoffice import queue as views

    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    return NOW


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def _change(db_session, submission: Submission, **values) -> Submission:
    for name, value in values.items():
        setattr(submission, name, value)
    db_session.commit()
    return submission


def _references(client, query: str = "") -> list[str]:
    response = client.get(f"/backoffice/queue{query}")
    assert response.status_code == 200, response.status_code
    return REFERENCE.findall(response.get_data(as_text=True))


def _total(body: str) -> int:
    return int(re.search(r'id="queue-count">(\d+)', body).group(1))


def _walk(client, query: str) -> list[str]:
    """Every page from the first, following the next-page links."""
    seen, url, pages = [], f"/backoffice/queue{query}", 0
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += REFERENCE.findall(body)
        match = re.search(r'href="(/backoffice/queue\?after=[^"]+)"', body)
        url = html.unescape(match.group(1)) if match else None
        pages += 1
        assert pages < 100
    return seen


def _row_of(body: str, reference: str) -> str:
    start = body.index(f">{reference}<")
    return body[body.rindex("<tr", 0, start):body.index("</tr>", start)]


def _german(app, message: str) -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context("/backoffice/"), force_locale("de"):
        return gettext(message)


def _german_age(app, days: int, target: int) -> str:
    from flask_babel import force_locale, ngettext

    with app.test_request_context("/backoffice/"), force_locale("de"):
        return ngettext("%(days)s of %(num)s working day", "%(days)s of %(num)s working days", target, days=days)


# -- working days --------------------------------------------------------------------------------

def test_age_in_working_days_skips_weekends_and_hessian_holidays():
    days = office_time.working_days_between
    assert days(date(2026, 4, 10), date(2026, 4, 13)) == 1      # Friday → Monday
    assert days(date(2026, 4, 13), date(2026, 4, 13)) == 0      # received today
    assert days(date(2026, 4, 11), date(2026, 4, 13)) == 1      # received on a Saturday
    # Good Friday and Easter Monday: Thursday → Tuesday is one working day.
    assert days(date(2026, 4, 2), date(2026, 4, 7)) == 1
    assert days(date(2026, 4, 2), date(2026, 4, 15)) == 7
    # Corpus Christi is a holiday in Hesse (not in every German state).
    assert days(date(2026, 6, 3), date(2026, 6, 5)) == 1
    # Across the turn of the year: 24 and 31 December are working days, 25/26 December and 1 January not.
    assert days(date(2026, 12, 23), date(2027, 1, 4)) == 6   # 24, 28–31 December, 4 January
    assert office_time.add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)
    assert office_time.nth_working_day_back(date(2026, 4, 7), 2) == date(2026, 4, 2)
    assert office_time.nth_working_day_back(date(2026, 4, 12), 1) == date(2026, 4, 10)   # Sunday


def test_working_days_agree_with_counting_day_by_day():
    import random

    rng = random.Random(5)
    for _ in range(300):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(800))
        end = start + timedelta(days=rng.randrange(-3, 120))
        counted = sum(1 for n in range(1, (end - start).days + 1)
                      if office_time.is_working_day(start + timedelta(days=n)))
        assert office_time.working_days_between(start, end) == counted, (start, end)


def test_age_filter_boundary_matches_the_age_shown():
    """'older than n working days' as a received_at range gives what age_of() says, day by day."""
    today = date(2026, 4, 15)
    for n in range(0, 12):
        cutoff = inbound.received_before_for_age_over(today, n)
        for back in range(0, 25):
            # 21:59 and 22:01 UTC are 23:59 and 00:01 in Wetzlar (summer time): the office's day counts.
            for hour, minute in ((21, 59), (22, 1)):
                received = datetime(2026, 4, 15, hour, minute, tzinfo=timezone.utc) - timedelta(days=back)
                older = inbound.age_of(received, today, 5).working_days > n
                assert older == (received < cutoff), (n, received)


def test_age_is_shown_against_the_target_and_overdue_in_words(app, client, make_staff, make_submission,
                                                              db_session, fixed_now):
    overdue = _change(db_session, make_submission(surname="Eins").submission, received_at=_at(date(2026, 4, 2)))
    at_target = _change(db_session, make_submission(surname="Zwei").submission, received_at=_at(date(2026, 4, 8)))
    sign_in(client, make_staff().email)
    body = client.get("/backoffice/queue").get_data(as_text=True)

    late = _row_of(body, overdue.reference)
    assert "queue-row--overdue" in late and f">{_german(app, 'Overdue')}<" in late
    assert _german_age(app, 7, 5) in late
    fine = _row_of(body, at_target.reference)
    assert "queue-row--overdue" not in fine and "kern-badge--danger" not in fine
    assert _german_age(app, 5, 5) in fine
    assert "15.04.26" in fine  # due today: the fifth working day after 8 April


def test_target_comes_from_the_configuration(app, client, make_staff, make_submission, db_session, fixed_now,
                                             monkeypatch):
    item = _change(db_session, make_submission().submission, received_at=_at(date(2026, 4, 8)))
    override_settings(monkeypatch, app, queue={"target_days": 3})
    sign_in(client, make_staff().email)
    body = client.get("/backoffice/queue").get_data(as_text=True)
    assert "queue-row--overdue" in _row_of(body, item.reference)
    assert _references(client, "?age=overdue") == [item.reference]


# -- filters -----------------------------------------------------------------------------------------

@pytest.fixture
def varied(db_session, make_submission, sites, fixed_now):
    """Seven open submissions that differ in one field each from the first, and one closed one."""
    def make(name, **values):
        values.setdefault("received_at", _at(date(2026, 4, 14)))
        return _change(db_session, make_submission(surname=name).submission, **values)

    items = {
        "plain": make("Plain"),
        "email": make("Mail", channel="email"),
        "scan": make("Scan", channel="scan", language="de"),
        "arabic": make("Arabisch", language="ar"),
        "dil": make("Dill", site_id=sites["DIL"].id),
        "nosite": make("Ohne", site_id=None),
        "old": make("Alt", received_at=_at(date(2026, 4, 2))),
        "waiting": make("Warten", status="awaiting_documents"),
        "closed": make("Zu", status="closed"),
    }
    permit = make_submission(surname="Verl", service_code="permit-extension").submission
    items["permit"] = _change(db_session, permit, received_at=_at(date(2026, 4, 14)))
    return {key: item.reference for key, item in items.items()}


def test_all_open_submissions_are_listed_with_their_count(client, make_staff, varied):
    sign_in(client, make_staff("team_lead").email)  # a lead sees both sites
    body = client.get("/backoffice/queue").get_data(as_text=True)
    listed = set(REFERENCE.findall(body))
    assert listed == set(varied.values()) - {varied["closed"]}
    assert _total(body) == len(listed)


def test_a_long_queue_is_counted_up_to_a_bound(client, make_staff, varied, monkeypatch):
    monkeypatch.setattr(inbound, "COUNT_UP_TO", 3)
    sign_in(client, make_staff("team_lead").email)
    body = client.get("/backoffice/queue").get_data(as_text=True)
    assert re.search(r'id="queue-count">Mehr als 3 passende Eingänge<', body)  # the back office speaks German
    assert set(REFERENCE.findall(body)) == set(varied.values()) - {varied["closed"]}  # the page is whole


@pytest.mark.parametrize("query, expected", [
    ("?status=awaiting_documents", {"waiting"}),
    ("?status=closed", None),  # not an open status: ignored, every open item
    ("?service=permit-extension", {"permit"}),
    ("?site=DIL", {"dil"}),
    ("?site=none", {"nosite"}),
    ("?channel=email", {"email"}),
    ("?channel=scan", {"scan"}),
    ("?channel=web&language=ar", {"arabic"}),
    ("?language=de", {"scan"}),
    ("?age=overdue", {"old"}),
    ("?older_than=6", {"old"}),
    ("?older_than=7", set()),
    ("?older_than=0", None),  # everything arrived yesterday or before
    ("?site=WZ&channel=web&language=uk&service=general-enquiry",
     {"plain", "old", "waiting"}),
])
def test_each_filter_narrows_the_list(client, make_staff, varied, query, expected):
    sign_in(client, make_staff("team_lead").email)  # a lead sees both sites
    every_open = set(varied) - {"closed"}
    wanted = {varied[key] for key in (every_open if expected is None else expected)}
    body = client.get(f"/backoffice/queue{query}").get_data(as_text=True)
    assert set(REFERENCE.findall(body)) == wanted, query
    assert _total(body) == len(wanted)


def test_the_age_filter_on_time_is_the_rest(client, make_staff, varied):
    sign_in(client, make_staff().email)
    overdue, on_time = set(_references(client, "?age=overdue")), set(_references(client, "?age=on_time"))
    assert not overdue & on_time and overdue | on_time == set(_references(client))


def test_filter_form_has_german_labels_and_keeps_the_choice(app, client, make_staff, varied):
    sign_in(client, make_staff().email)
    body = client.get("/backoffice/queue?channel=email&site=none").get_data(as_text=True)
    for name in ("status", "service", "site", "channel", "age", "older_than", "assignee", "language", "sort"):
        assert f'<label class="kern-label" for="queue-{name}">' in body, name
    for label in ("Status", "Leistung", "Standort", "Kanal", "Sprache"):
        assert f'>{label}</label>' in body, label
    assert '<option value="email" selected>' in body and '<option value="none" selected>' in body
    assert ">Ukrainisch<" in body  # language names in German, from the locale data


def test_unknown_filter_values_are_ignored(client, make_staff, varied):
    sign_in(client, make_staff().email)
    everything = set(_references(client))
    for query in ("?site=XX", "?channel=fax", "?older_than=-3", "?older_than=²", "?assignee=abc",
                  "?sort=random&after=garbage", "?after=1_2_3_4"):
        assert set(_references(client, query)) == everything, query


# -- sorting and paging ---------------------------------------------------------------------------------

@pytest.fixture
def eleven(db_session, make_submission, fixed_now):
    """Eleven items over two services, with ties in received_at (the id decides)."""
    items = []
    for index in range(11):
        service = "permit-extension" if index % 3 == 0 else "general-enquiry"
        item = make_submission(surname=f"Person{index}", service_code=service).submission
        # Three items share each moment, so a page can end in the middle of a tie.
        _change(db_session, item, received_at=_at(date(2026, 4, 1)) + timedelta(hours=index // 3))
        items.append(item)
    return items


def _expected(db_session, items, sort):
    names = dict(db_session.execute(select(Service.id, Service.name_de)).all())
    if sort == "service":
        ordered = sorted(items, key=lambda s: (names[s.service_id], s.service_id, s.received_at, s.id))
    else:
        ordered = sorted(items, key=lambda s: (s.received_at, s.id), reverse=sort == "newest")
    return [s.reference for s in ordered]


@pytest.mark.parametrize("sort", ["", "newest", "service"])
def test_sort_orders(client, make_staff, db_session, eleven, sort):
    sign_in(client, make_staff().email)
    assert _references(client, f"?sort={sort}") == _expected(db_session, eleven, sort)


def test_oldest_first_by_default(client, make_staff, db_session, eleven):
    sign_in(client, make_staff().email)
    shown = _references(client)
    assert shown[0] == eleven[0].reference and shown == _expected(db_session, eleven, "oldest")


@pytest.mark.parametrize("sort", ["oldest", "newest", "service"])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 11])
def test_paging_has_no_duplicates_or_gaps(client, make_staff, db_session, eleven, monkeypatch, sort, size):
    from portal.backoffice import queue as views

    monkeypatch.setattr(views, "PAGE_SIZE", size)
    sign_in(client, make_staff().email)
    assert _walk(client, f"?sort={sort}") == _expected(db_session, eleven, sort)


def test_paging_keeps_the_filters(client, make_staff, db_session, eleven, monkeypatch):
    from portal.backoffice import queue as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    sign_in(client, make_staff().email)
    permits = [s for s in eleven if s.service.code == "permit-extension"]
    assert _walk(client, "?service=permit-extension&sort=newest") == _expected(db_session, permits, "newest")
    body = client.get("/backoffice/queue?service=permit-extension").get_data(as_text=True)
    assert _total(body) == len(permits)  # the count is of all matching items, not of the page


# -- claims ------------------------------------------------------------------------------------------

@pytest.fixture
def people(db_session, make_staff):
    made = {"anna": make_staff("caseworker", "WZ"), "ben": make_staff("caseworker", "WZ"),
            "lead": make_staff("team_lead", "WZ")}
    for key, person in made.items():
        person.full_name = {"anna": "Anna Arndt", "ben": "Ben Brandt", "lead": "Lea Leitner"}[key]
    db_session.commit()
    return made


def _post(client, reference: str, action: str):
    token = csrf_token_from(client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True))
    return client.post(f"/backoffice/submissions/{reference}/{action}", data={"csrf_token": token})


def _fresh(db_session, submission_id: int) -> Submission:
    db_session.expire_all()
    return db_session.get(Submission, submission_id)


def _audit(db_session, reference: str) -> list[tuple[str, int, dict]]:
    db_session.expire_all()
    return [(e.action, e.staff_user_id, e.detail) for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == reference, AuditEvent.action.in_(["claim", "release"]))
        .order_by(AuditEvent.id))]


def test_claim_starts_the_work_and_shows_the_holder(app, client, db_session, make_submission, people):
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    response = _post(client, item.reference, "claim")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/submissions/{item.reference}")

    claimed = _fresh(db_session, item.id)
    assert claimed.assignee_id == people["anna"].id and claimed.claimed_at is not None
    assert claimed.status == "in_progress"
    history = [(h.status, h.staff_user_id) for h in claimed.history]
    assert history == [("received", None), ("in_progress", people["anna"].id)]
    assert _audit(db_session, item.reference) == [
        ("claim", people["anna"].id, {"renewed": False, "started": True, "took_over_from": None})]

    other = app.test_client()
    sign_in(other, people["ben"].email)
    row = _row_of(other.get("/backoffice/queue").get_data(as_text=True), item.reference)
    assert "Anna Arndt" in row and "/claim" not in row
    page = other.get(f"/backoffice/submissions/{item.reference}").get_data(as_text=True)
    assert "Anna Arndt" in page and f"/submissions/{item.reference}/claim" not in page


def test_a_second_caseworker_cannot_take_or_release_a_held_claim(app, client, db_session, make_submission, people):
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    _post(client, item.reference, "claim")
    other = app.test_client()
    sign_in(other, people["ben"].email)

    assert _post(other, item.reference, "claim").status_code == 302
    assert _fresh(db_session, item.id).assignee_id == people["anna"].id
    assert _post(other, item.reference, "release").status_code == 302
    assert _fresh(db_session, item.id).assignee_id == people["anna"].id
    page = other.get(f"/backoffice/submissions/{item.reference}").get_data(as_text=True)
    assert f"/submissions/{item.reference}/release" not in page
    assert [a for a, _, _ in _audit(db_session, item.reference)] == ["claim"]


def test_renewing_keeps_the_claim_and_writes_no_second_status(client, db_session, make_submission, people):
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    _post(client, item.reference, "claim")
    first = _fresh(db_session, item.id).claimed_at
    _post(client, item.reference, "claim")
    renewed = _fresh(db_session, item.id)
    assert renewed.assignee_id == people["anna"].id and renewed.claimed_at >= first
    assert [h.status for h in renewed.history] == ["received", "in_progress"]
    assert _audit(db_session, item.reference)[-1][2]["renewed"] is True


def test_the_holder_releases_and_the_item_is_free_again(client, db_session, make_submission, people):
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    _post(client, item.reference, "claim")
    assert _post(client, item.reference, "release").status_code == 302
    released = _fresh(db_session, item.id)
    assert released.assignee_id is None and released.claimed_at is None
    assert released.status == "in_progress"  # the work has begun; releasing does not undo that
    assert item.reference in _references(client, "?assignee=nobody")
    assert [(a, d) for a, _, d in _audit(db_session, item.reference)][-1] == ("release", {"holder": people["anna"].id})


def test_a_team_lead_may_release_anyones_claim(app, client, db_session, make_submission, people):
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    _post(client, item.reference, "claim")
    lead = app.test_client()
    sign_in(lead, people["lead"].email)
    page = lead.get(f"/backoffice/submissions/{item.reference}").get_data(as_text=True)
    assert f"/submissions/{item.reference}/release" in page
    _post(lead, item.reference, "release")
    assert _fresh(db_session, item.id).assignee_id is None
    assert _audit(db_session, item.reference)[-1] == ("release", people["lead"].id, {"holder": people["anna"].id})


def test_claims_time_out(app, client, db_session, make_submission, people, monkeypatch):
    override_settings(monkeypatch, app, queue={"claim_timeout_minutes": 30})
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    _post(client, item.reference, "claim")
    other = app.test_client()
    sign_in(other, people["ben"].email)
    assert item.reference not in _references(other, "?assignee=nobody")

    claimed = _fresh(db_session, item.id)
    _change(db_session, claimed, claimed_at=claimed.claimed_at - timedelta(minutes=31))
    # Shown as free (with whose claim ran out), no longer among Anna's.
    assert item.reference in _references(other, "?assignee=nobody")
    assert item.reference not in _references(client, "?assignee=me")
    row = _row_of(other.get("/backoffice/queue").get_data(as_text=True), item.reference)
    assert "Anna Arndt" in row and f"/submissions/{item.reference}/claim" in row

    _post(other, item.reference, "claim")
    taken = _fresh(db_session, item.id)
    assert taken.assignee_id == people["ben"].id
    assert [h.status for h in taken.history] == ["received", "in_progress"]
    assert _audit(db_session, item.reference)[-1] == (
        "claim", people["ben"].id, {"renewed": False, "started": False, "took_over_from": people["anna"].id})
    # Anna can no longer release what Ben holds now.
    _post(client, item.reference, "release")
    assert _fresh(db_session, item.id).assignee_id == people["ben"].id


def test_assignee_filters(client, db_session, make_submission, people):
    mine, bens, free = (make_submission(surname=n).submission for n in ("Mein", "Seins", "Frei"))
    sign_in(client, people["anna"].email)
    _post(client, mine.reference, "claim")
    _change(db_session, _fresh(db_session, bens.id), assignee_id=people["ben"].id,
            claimed_at=datetime.now(timezone.utc))
    assert _references(client, "?assignee=me") == [mine.reference]
    assert _references(client, "?assignee=nobody") == [free.reference]
    assert _references(client, f"?assignee={people['ben'].id}") == [bens.reference]
    assert _references(client, f"?assignee={people['lead'].id}") == []


def test_closed_submissions_cannot_be_claimed(client, db_session, make_submission, people):
    item = make_submission().submission
    _change(db_session, item, status="closed")
    sign_in(client, people["anna"].email)
    assert _post(client, item.reference, "claim").status_code == 302
    assert _fresh(db_session, item.id).assignee_id is None and _audit(db_session, item.reference) == []


def test_claim_and_release_need_the_csrf_token(client, make_submission, people):
    item = make_submission().submission
    sign_in(client, people["anna"].email)
    assert client.post(f"/backoffice/submissions/{item.reference}/claim").status_code == 400
    assert client.post(f"/backoffice/submissions/{item.reference}/release").status_code == 400
    assert client.post("/backoffice/submissions/ABH-2026-999999-0/claim",
                       data={"csrf_token": csrf_token_from(client.get("/backoffice/").get_data(as_text=True))}
                       ).status_code == 404


def test_domain_release_rules(app, db_session, make_submission, people):
    item = make_submission().submission
    rules = default_settings().queue
    inbound.claim(db_session, item.id, people["anna"].id, now=NOW, rules=rules)
    db_session.commit()
    with pytest.raises(inbound.ClaimError) as refused:
        inbound.release(db_session, item.id, people["ben"].id, may_release_others=False)
    assert refused.value.code == "not_holder" and refused.value.holder_id == people["anna"].id
    with pytest.raises(inbound.ClaimError) as refused:
        inbound.claim(db_session, item.id, people["ben"].id, now=NOW + timedelta(minutes=119), rules=rules)
    assert refused.value.code == "claimed"
    # After the timeout it is free for anyone.
    taken = inbound.claim(db_session, item.id, people["ben"].id, now=NOW + timedelta(minutes=121), rules=rules)
    assert taken.took_over_from == people["anna"].id
    assert inbound.release(db_session, item.id, people["ben"].id, may_release_others=False) == people["ben"].id
    with pytest.raises(inbound.ClaimError) as refused:
        inbound.release(db_session, item.id, people["ben"].id, may_release_others=True)
    assert refused.value.code == "not_claimed"
    db_session.rollback()


# -- parallel claims (PostgreSQL) -------------------------------------------------------------------

CLAIMERS = 20


def _postgresql_only(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("parallel connections are tested on PostgreSQL (SQLite has one writer)")


@pytest.fixture
def claimers(db_session, sites):
    """Twenty caseworkers (no password hashing: they only claim through the domain)."""
    from portal.models import StaffUser

    people = [StaffUser(email=f"claimer{i}@abh-test.example", full_name=f"Claimer {i}", password_hash="-",
                        role="caseworker", site_id=sites["WZ" if i % 2 else "DIL"].id) for i in range(CLAIMERS)]
    db_session.add_all(people)
    db_session.commit()
    return [p.id for p in people]


def test_twenty_parallel_claims_have_one_winner(db_session, make_submission, claimers):
    _postgresql_only(db_session)
    submission_id = make_submission().submission.id
    engine, rules = db_session.get_bind(), default_settings().queue

    def attempt(index):
        with Session(engine) as session:
            try:
                inbound.claim(session, submission_id, claimers[index], now=datetime.now(timezone.utc), rules=rules)
                session.commit()
                return ("won", claimers[index])
            except inbound.ClaimError as refused:
                session.rollback()
                return (refused.code, refused.holder_id)
            except Exception as exc:  # noqa: BLE001 - any other outcome fails below
                session.rollback()
                return ("error", repr(exc))

    results = in_parallel(CLAIMERS, attempt)
    winners = [who for outcome, who in results if outcome == "won"]
    assert len(winners) == 1, results
    assert all(outcome == "claimed" and who == winners[0] for outcome, who in results if outcome != "won"), results
    item = _fresh(db_session, submission_id)
    assert item.assignee_id == winners[0]
    statuses = db_session.scalars(select(SubmissionStatusChange.status)
                                  .where(SubmissionStatusChange.submission_id == submission_id)).all()
    assert statuses.count("in_progress") == 1


def test_twenty_caseworkers_claim_over_http_at_once(app, db_session, make_submission, make_staff):
    _postgresql_only(db_session)
    item = make_submission().submission
    reference, submission_id = item.reference, item.id
    prepared = []
    for index in range(CLAIMERS):
        person = make_staff("caseworker", "WZ")  # the submission's site (portal.casework.access)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.5.{index + 1}"  # the sign-in limit is per address
        assert sign_in(client, person.email).status_code == 302
        token = csrf_token_from(client.get(f"/backoffice/submissions/{reference}").get_data(as_text=True))
        prepared.append((client, token, person.id))

    def attempt(index):
        client, token, _ = prepared[index]
        response = client.post(f"/backoffice/submissions/{reference}/claim", data={"csrf_token": token})
        return response.status_code

    assert in_parallel(CLAIMERS, attempt) == [302] * CLAIMERS
    holder = _fresh(db_session, submission_id).assignee_id
    assert holder in {staff_id for _, _, staff_id in prepared}
    claims = [(a, who) for a, who, _ in _audit(db_session, reference)]
    assert claims == [("claim", holder)]
