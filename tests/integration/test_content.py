"""Portal content end to end: editors write, leads publish, the public sees only what is live."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent
from portal.models.content import ContentItem, ContentTranslation, ContentVersion
from tests.support.app_factory import override_settings
from tests.support.helpers import csrf_token_from, sign_in
from tests.support.helpers import staff_in_english

UTC = timezone.utc


class Staff:
    """A signed-in staff member working the content back office through the test client."""

    def __init__(self, app, make_staff, db_session, role):
        self.client = app.test_client()
        self.user = staff_in_english(make_staff, db_session, role=role)
        assert sign_in(self.client, self.user.email).status_code == 302

    def token(self, url="/backoffice/content/"):
        return csrf_token_from(self.client.get(url).get_data(as_text=True))

    def create(self, kind="page", slug="fees", title="Gebühren", body="Die Gebühren.", service=""):
        response = self.client.post("/backoffice/content/new", data={
            "csrf_token": self.token("/backoffice/content/new"), "kind": kind, "slug": slug, "service": service,
            "title": title, "body": body})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    def save(self, item_id, language, **texts):
        url = f"/backoffice/content/{item_id}/{language}"
        page = self.client.get(url).get_data(as_text=True)
        source = re.search(r'name="source_number"[^>]*value="(\d*)"', page)
        data = {"csrf_token": csrf_token_from(page), "action": texts.pop("action", "save"),
                "source_number": source.group(1) if source else "", **texts}
        return self.client.post(url, data=data)

    def act(self, item_id, language, action, **data):
        return self.client.post(f"/backoffice/content/{item_id}/{language}/{action}",
                                data={"csrf_token": self.token(), **data})


@pytest.fixture
def editor(app, make_staff, db_session):
    return Staff(app, make_staff, db_session, "editor")


@pytest.fixture
def lead(app, make_staff, db_session):
    return Staff(app, make_staff, db_session, "team_lead")


@pytest.fixture
def frozen(app, monkeypatch):
    """Sets the moment the public site judges content at."""
    def freeze(moment):
        override_settings(monkeypatch, app, content_now=moment)
    yield freeze


def _translation(db_session, item_id, language):
    db_session.expire_all()
    return db_session.scalar(select(ContentTranslation).where(ContentTranslation.item_id == item_id,
                                                              ContentTranslation.language == language))


def test_editor_submits_lead_publishes_and_only_then_the_public_sees_it(client, editor, lead, db_session):
    item_id = editor.create(title="Gebühren", body="Eine Aufenthaltserlaubnis kostet **100 €**.")
    assert client.get("/de/pages/fees").status_code == 404  # private
    assert editor.act(item_id, "de", "submit").status_code == 302
    assert _translation(db_session, item_id, "de").state == "pending"
    assert client.get("/de/pages/fees").status_code == 404  # pending review

    # The server refuses an editor who publishes, whatever the page showed.
    assert editor.act(item_id, "de", "publish").status_code == 403
    assert editor.act(item_id, "de", "expire").status_code == 403
    assert _translation(db_session, item_id, "de").published_number is None

    assert lead.act(item_id, "de", "publish").status_code == 302
    translation = _translation(db_session, item_id, "de")
    assert translation.state == "published" and translation.published_number == 1
    page = client.get("/de/pages/fees")
    assert page.status_code == 200 and "<strong>100 €</strong>" in page.get_data(as_text=True)
    actions = set(db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "content")))
    assert {"content_create", "content_submit", "content_publish"} <= actions


def test_lead_rejects_back_to_private(editor, lead, db_session):
    item_id = editor.create()
    editor.act(item_id, "de", "submit")
    assert lead.act(item_id, "de", "reject").status_code == 302
    assert _translation(db_session, item_id, "de").state == "private"
    # Rejecting again is not possible from private: refused with a message, nothing changes.
    response = lead.act(item_id, "de", "reject")
    assert response.status_code == 302
    assert "not possible in the current state" in lead.client.get(response.headers["Location"]).get_data(as_text=True)


def test_newer_draft_stays_in_the_back_office_while_the_published_text_is_shown(client, editor, lead, db_session):
    item_id = editor.create(body="Alter Text.")
    lead.act(item_id, "de", "publish")
    assert editor.save(item_id, "de", title="Gebühren", body="Neuer Text <script>alert(1)</script>").status_code == 302
    editor.act(item_id, "de", "submit")
    body = client.get("/de/pages/fees").get_data(as_text=True)
    assert "Alter Text." in body and "Neuer Text" not in body
    # The preview in the back office renders the draft, sanitised.
    preview = editor.save(item_id, "de", title="Gebühren", body="Vorschau <script>x</script>", action="preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview"' in html and "<script>x" not in html
    assert db_session.scalar(select(func.count()).select_from(ContentVersion)) == 2  # preview saved nothing

    lead.act(item_id, "de", "publish")
    body = client.get("/de/pages/fees").get_data(as_text=True)
    assert "Neuer Text" in body and "<script>alert" not in body and "&lt;script&gt;" in body


def test_versions_are_kept_compared_and_restored(editor, lead, db_session):
    item_id = editor.create(body="Zeile eins\nZeile <b>zwei</b>")
    editor.save(item_id, "de", title="Gebühren", body="Zeile eins\nZeile drei", note="Betrag korrigiert")
    translation = _translation(db_session, item_id, "de")
    assert [(v.number, v.created_by.email) for v in translation.versions] == [(1, editor.user.email),
                                                                               (2, editor.user.email)]
    assert translation.versions[1].note == "Betrag korrigiert"

    history = editor.client.get(f"/backoffice/content/{item_id}/de/history?a=1&b=2").get_data(as_text=True)
    assert '<del class="content-diff__removed">- Zeile &lt;b&gt;zwei&lt;/b&gt;</del>' in history
    assert '<ins class="content-diff__added">+ Zeile drei</ins>' in history

    assert editor.act(item_id, "de", "restore", number="1").status_code == 403  # leads restore
    assert lead.act(item_id, "de", "restore", number="1").status_code == 302
    translation = _translation(db_session, item_id, "de")
    assert [v.number for v in translation.versions] == [1, 2, 3]
    assert translation.latest.restored_from == 1 and translation.latest.body == "Zeile eins\nZeile <b>zwei</b>"
    assert translation.state == "private"


def test_scheduled_publishing_and_expiry_take_effect_on_time(client, editor, lead, db_session, frozen):
    item_id = editor.create(body="Ab Dezember.")
    # Office time: from 1 December 08:00 until 10 December 00:00 (exclusive).
    lead.act(item_id, "de", "publish", publish_at="2026-12-01T08:00", expire_at="2026-12-10T00:00")
    translation = _translation(db_session, item_id, "de")
    assert translation.publish_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)

    frozen(datetime(2026, 12, 1, 6, 59, tzinfo=UTC))
    assert client.get("/de/pages/fees").status_code == 404  # scheduled, not yet
    frozen(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    assert client.get("/de/pages/fees").status_code == 200
    frozen(datetime(2026, 12, 9, 22, 59, tzinfo=UTC))
    assert client.get("/de/pages/fees").status_code == 200
    frozen(datetime(2026, 12, 9, 23, 0, tzinfo=UTC))
    assert client.get("/de/pages/fees").status_code == 404  # expired


def test_lead_takes_a_page_offline(client, editor, lead, db_session):
    item_id = editor.create()
    lead.act(item_id, "de", "publish")
    assert lead.act(item_id, "de", "expire").status_code == 302
    assert _translation(db_session, item_id, "de").state == "expired"
    assert client.get("/de/pages/fees").status_code == 404
    listing = lead.client.get("/backoffice/content/").get_data(as_text=True)
    assert "Expired" in listing


def test_missing_translation_falls_back_to_german_with_a_note(client, editor, lead):
    item_id = editor.create(title="Gebühren", body="Die Gebühren stehen in der Aufenthaltsverordnung.")
    lead.act(item_id, "de", "publish")
    page = client.get("/ar/pages/fees").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'class="kern-body kern-body--small content-fallback-note"' in page
    assert re.search(r'<article class="content-page" id="content-page" lang="de" dir="ltr">', page)
    assert "Die Gebühren stehen" in page


def test_translation_replaces_the_fallback_and_becomes_outdated_when_german_changes(client, editor, lead, db_session):
    item_id = editor.create(title="Gebühren", body="Erste Fassung.")
    lead.act(item_id, "de", "publish")
    assert editor.save(item_id, "uk", title="Збори", body="Перша версія.").status_code == 302
    editor.act(item_id, "uk", "submit")
    lead.act(item_id, "uk", "publish")
    page = client.get("/uk/pages/fees").get_data(as_text=True)
    assert "Перша версія." in page and "content-fallback-note" not in page
    assert _translation(db_session, item_id, "uk").latest.source_number == 1

    listing = editor.client.get("/backoffice/content/").get_data(as_text=True)
    assert "content-lang--outdated" not in listing
    editor.save(item_id, "de", title="Gebühren", body="Zweite Fassung.")
    assert "content-lang--outdated" not in editor.client.get("/backoffice/content/").get_data(as_text=True)
    lead.act(item_id, "de", "publish")
    listing = editor.client.get("/backoffice/content/").get_data(as_text=True)
    cell = re.search(r'<td data-language="uk" class="content-lang content-lang--outdated">', listing)
    assert cell and re.search(r'<td data-language="en" class="content-lang content-lang--missing">', listing)
    assert 'id="outdated"' in editor.client.get(f"/backoffice/content/{item_id}/uk").get_data(as_text=True)


def _notice(editor, lead, *, starts, ends, placement="all", targets=""):
    item_id = editor.create(kind="notice", slug="closure", title="Dillenburg am 24. Dezember geschlossen",
                            body="Die Dienststelle Dillenburg ist geschlossen.")
    assert editor.save(item_id, "uk", title="Діленбург зачинено 24 грудня",
                       body="Відділ у Діленбурзі зачинено.").status_code == 302
    response = editor.client.post(f"/backoffice/content/{item_id}/settings", data={
        "csrf_token": editor.token(), "placement": placement, "targets": targets,
        "starts_at": starts, "ends_at": ends})
    assert response.status_code == 302
    for language in ("de", "uk"):
        lead.act(item_id, language, "publish")
    return item_id


def test_notice_appears_in_its_window_and_expires_on_time(client, editor, lead, frozen):
    _notice(editor, lead, starts="2026-12-24T00:00", ends="2026-12-25T00:00")
    frozen(datetime(2026, 12, 23, 22, 59, tzinfo=UTC))
    assert "notice-closure" not in client.get("/uk/").get_data(as_text=True)
    frozen(datetime(2026, 12, 23, 23, 0, tzinfo=UTC))  # 24 December 00:00 in Berlin
    page = client.get("/uk/").get_data(as_text=True)
    assert "notice-closure" in page and "Діленбург зачинено 24 грудня" in page
    assert "Dillenburg am 24. Dezember geschlossen" in client.get("/de/services/").get_data(as_text=True)
    # No Turkish translation: German with the note.
    turkish = client.get("/tr/").get_data(as_text=True)
    assert "Dillenburg am 24. Dezember geschlossen" in turkish and "content-fallback-note" in turkish
    frozen(datetime(2026, 12, 24, 23, 0, tzinfo=UTC))  # 25 December 00:00: over
    assert "notice-closure" not in client.get("/uk/").get_data(as_text=True)


def test_notice_only_on_the_chosen_service_pages(client, editor, lead, frozen):
    _notice(editor, lead, starts="", ends="", placement="services", targets="card-collection")
    frozen(datetime(2026, 12, 1, tzinfo=UTC))
    assert "notice-closure" in client.get("/de/services/card-collection/").get_data(as_text=True)
    assert "notice-closure" not in client.get("/de/services/permit-extension/").get_data(as_text=True)
    assert "notice-closure" not in client.get("/de/").get_data(as_text=True)


def test_service_page_shows_the_published_description_and_faq(client, editor, lead):
    item_id = editor.create(kind="service", slug="", service="card-collection", title="Abholung der Karte",
                            body="Bringen Sie **den Brief** mit.")
    editor.save(item_id, "de", title="Abholung der Karte", body="Bringen Sie **den Brief** mit.",
                fees="Keine weitere Gebühr.")
    lead.act(item_id, "de", "publish")
    faq_id = editor.create(kind="faq", slug="cc-someone-else", service="card-collection",
                           title="Kann jemand anderes die Karte abholen?", body="Nein.")
    lead.act(faq_id, "de", "publish")

    german = client.get("/de/services/card-collection/").get_data(as_text=True)
    assert 'id="service-description"' in german and "<strong>den Brief</strong>" in german
    assert "Keine weitere Gebühr." in german and "Kann jemand anderes die Karte abholen?" in german
    # English has no published description: the built-in English texts, and the German one marked as such.
    english = client.get("/en/services/card-collection/").get_data(as_text=True)
    assert "Collection of your electronic residence title" in english
    assert 'id="service-description-german"' in english and "content-fallback-note" in english
    # Nothing published at all: the built-in texts only.
    plain = client.get("/en/services/permit-extension/").get_data(as_text=True)
    assert "Extension of a residence permit" in plain and "service-description" not in plain
    # The service list shows the published title and summary on the card, in that language only.
    editor.save(item_id, "de", title="Ihre Karte abholen", summary="Mit Brief und Pass, ohne Wartemarke.",
                body="Bringen Sie **den Brief** mit.")
    lead.act(item_id, "de", "publish")
    cards = client.get("/de/services/").get_data(as_text=True)
    assert "Ihre Karte abholen" in cards and "Mit Brief und Pass, ohne Wartemarke." in cards
    assert "Ihre Karte abholen" not in client.get("/en/services/").get_data(as_text=True)


def test_search_finds_published_content_in_the_visitors_language(client, editor, lead):
    page_id = editor.create(title="Gebühren", body="Die Verlängerung kostet 93 Euro.")
    lead.act(page_id, "de", "publish")
    editor.save(page_id, "ru", title="Сборы", body="Продление стоит 93 евро. Оплата картой.")
    lead.act(page_id, "ru", "publish")
    service_id = editor.create(kind="service", slug="", service="permit-extension",
                               title="Verlängerung der Aufenthaltserlaubnis", body="Rechtzeitig beantragen.")
    lead.act(service_id, "de", "publish")
    draft_id = editor.create(slug="draft", title="Entwurf Gebühren", body="Gebühren Entwurf")  # never published

    russian = client.get("/ru/search?q=ОПЛАТА").get_data(as_text=True)
    assert 'href="/ru/pages/fees"' in russian and "Сборы" in russian
    german = client.get("/de/search?q=Verlängerung").get_data(as_text=True)
    assert 'href="/de/services/permit-extension/"' in german and 'href="/de/pages/fees"' in german
    assert 'href="/de/services/permit-extension/#apply-online"' in german  # its online form
    assert "Entwurf" not in client.get("/de/search?q=Gebühren").get_data(as_text=True)
    # German items without a translation are found in German by visitors of another language.
    english = client.get("/en/search?q=beantragen").get_data(as_text=True)
    assert "Verlängerung der Aufenthaltserlaubnis" in english and "content-fallback-note" in english
    assert 'id="search-results"' in client.get("/de/search?q=nichtsdergleichen").get_data(as_text=True)
    assert draft_id


def test_menu_lists_published_pages_in_the_editors_order(client, editor, lead, db_session):
    first = editor.create(slug="first-visit", title="Ihr erster Besuch")
    second = editor.create(slug="fees", title="Gebühren")
    for item_id in (first, second):
        editor.client.post(f"/backoffice/content/{item_id}/settings",
                           data={"csrf_token": editor.token(), "in_menu": "yes"})
        lead.act(item_id, "de", "publish")
    nav = re.search(r'<nav aria-label="[^"]*" class="content-menu".*?</nav>', client.get("/de/").get_data(as_text=True),
                    re.S).group(0)
    assert nav.index("Ihr erster Besuch") < nav.index("Gebühren")
    editor.client.post("/backoffice/content/menu", data={"csrf_token": editor.token(), "item_id": second,
                                                         "direction": "up"})
    nav = re.search(r'class="content-menu".*?</nav>', client.get("/de/").get_data(as_text=True), re.S).group(0)
    assert nav.index("Gebühren") < nav.index("Ihr erster Besuch")


def test_media_upload_goes_through_the_document_checks(app, client, editor, db_session):
    from portal.models.content import ContentMedia
    from tests.support import samples

    def upload(data, name):
        return editor.client.post("/backoffice/content/media", content_type="multipart/form-data", data={
            "csrf_token": editor.token("/backoffice/content/media"), "file": (io.BytesIO(data), name)})

    refused = upload(samples.encrypted_pdf_bytes(), "merkblatt.pdf")
    assert refused.status_code == 200 and "password" in refused.get_data(as_text=True)
    assert upload(b"<svg onload=alert(1)></svg>", "bild.svg").status_code == 200
    assert db_session.scalar(select(func.count()).select_from(ContentMedia)) == 0

    assert upload(samples.png_bytes(), "lageplan.png").status_code == 302
    media = db_session.scalars(select(ContentMedia)).one()
    served = client.get(f"/media/{media.token}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert client.get("/media/AAAAAAAAAAAAAAAA").status_code == 404


def test_staff_without_the_content_role_cannot_edit(app, make_staff, db_session):
    caseworker = Staff(app, make_staff, db_session, "caseworker")
    assert caseworker.client.get("/backoffice/content/").status_code == 403
    editor_nav = Staff(app, make_staff, db_session, "editor").client.get("/backoffice/").get_data(as_text=True)
    assert "/backoffice/content/" in editor_nav and "/backoffice/queue" not in editor_nav


def test_seeded_content_is_published_in_all_languages(app, client, db_session, sites):
    from portal.content.seed import entries, load_seed_content

    expected = entries()
    translations = sum(len(entry.texts) for entry in expected)
    assert load_seed_content(db_session, datetime(2026, 11, 22, tzinfo=UTC)) == translations
    db_session.commit()
    assert load_seed_content(db_session, datetime(2026, 11, 23, tzinfo=UTC)) == 0  # idempotent
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(ContentItem)) == len(expected)
    assert db_session.scalar(select(func.count()).select_from(ContentTranslation)) == translations
    kinds = {entry.kind for entry in expected}
    assert kinds == {"page", "service", "faq", "notice"}
    assert all(len(entry.texts) == 7 for entry in expected if entry.slug != "easy-language")
    pending = db_session.scalar(select(func.count()).select_from(ContentTranslation)
                                .where(ContentTranslation.published_number.is_(None)))
    assert pending == 0
    assert "Residence permit for temporary protection" in client.get("/en/services/temporary-protection/").get_data(as_text=True)
    easy = client.get("/uk/pages/easy-language").get_data(as_text=True)
    # German by nature (Leichte Sprache), so not "not yet in your language", but said what it is.
    assert "Leichte Sprache" in easy and "content-fallback-note" not in easy and "content-easy-german-note" in easy
