"""Content without a database: sanitising, workflow rules, outdated translations, notice windows."""
from datetime import datetime, timedelta, timezone

import pytest

from portal.content import workflow
from portal.content.notices import Where, in_window, shows_on, where_from_endpoint
from portal.content.rendering import render_markdown, sanitize
from portal.content.translations import is_outdated
from portal.content.workflow import WorkflowRefused
from portal.domain.office_time import from_office_time
from portal.models.content import ContentItem, ContentTranslation, ContentVersion

UTC = timezone.utc


# --- sanitising -----------------------------------------------------------------------------

@pytest.mark.parametrize("html", [
    '<script>alert(1)</script><p>ok</p>',
    '<p onclick="alert(1)" onmouseover="x()">ok</p>',
    '<a href="javascript:alert(1)">ok</a>',
    '<a href="JaVaScRiPt:alert(1)">ok</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">ok</a>',
    '<img src="data:image/png;base64,AAAA" onerror="alert(1)">ok',
    '<p style="position:fixed;top:0">ok</p>',
    '<iframe src="https://evil.example/"></iframe>ok',
    '<svg><script>alert(1)</script><circle onload="alert(1)"/></svg>ok',
    '<p><b>unclosed <i>nesting</b> ok',
    '<style>body{display:none}</style>ok',
    '<form action="https://evil.example"><input name="pw"></form>ok',
])
def test_sanitiser_removes_everything_active(html):
    cleaned = sanitize(html).lower()
    for bad in ("<script", "onclick", "onerror", "onload", "onmouseover", "javascript:", "data:", "style=",
                "<iframe", "<svg", "<style", "<form", "<input", "alert(1)"):
        assert bad not in cleaned, (bad, cleaned)
    assert "ok" in cleaned


def test_markdown_escapes_raw_html_and_drops_unsafe_links():
    html = str(render_markdown(
        "# Titel\n\n<script>alert(1)</script>\n\n[klick](javascript:alert(1)) [data](data:text/html,x) "
        "[gut](https://lahn-dill.example/) [intern](/de/pages/fees) [weg](//evil.example/)\n\n"
        "<img src=x onerror=alert(1)>\n\n![bild](https://evil.example/pixel.png) ![lageplan](media:AbCdEfGh12)"))
    assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert "<img src=x" not in html and "onerror=" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert 'href="javascript' not in html and 'href="data:' not in html and "//evil.example" not in html
    assert '<a href="https://lahn-dill.example/" rel="noopener noreferrer">gut</a>' in html
    assert 'href="/de/pages/fees"' in html
    assert "evil.example/pixel.png" not in html  # images only from our media store
    assert '<img src="/media/AbCdEfGh12" alt="lageplan">' in html
    assert "<h1>" not in html and "<h2>Titel</h2>" in html  # the page title is the only h1


def test_markdown_in_nested_and_malformed_structures_stays_safe():
    html = str(render_markdown("> - [x](javascript:alert(1))\n>   <b onclick=x>fett</b>\n\n| a | b |\n|---|---|\n"
                               "| <i>1</i> | [y](vbscript:msgbox) |"))
    # What is not a safe link stays visible text; no element carries a script.
    assert "href=" not in html and "<b " not in html and "<i>" not in html
    assert "&lt;b onclick=x&gt;" in html and "<table>" in html and "<blockquote>" in html


# --- workflow -------------------------------------------------------------------------------

def test_editor_submits_but_cannot_publish_reject_or_expire():
    assert workflow.check("submit", "private", "editor").target == "pending"
    assert workflow.check("retract", "pending", "editor").target == "private"
    for action, state in (("publish", "pending"), ("reject", "pending"), ("expire", "published")):
        with pytest.raises(WorkflowRefused) as refused:
            workflow.check(action, state, "editor", live=True)
        assert refused.value.code == "not_allowed"
    assert workflow.available("pending", "editor") == ["retract"]


def test_team_lead_publishes_rejects_and_expires_in_the_right_states():
    assert workflow.check("publish", "pending", "team_lead").target == "published"
    assert workflow.check("publish", "private", "admin").target == "published"
    assert workflow.check("reject", "pending", "team_lead").target == "private"
    assert workflow.check("expire", "published", "admin", live=True).target == "expired"
    for action, state, live in (("reject", "private", False), ("submit", "published", True),
                                ("expire", "published", False), ("publish", "published", True)):
        with pytest.raises(WorkflowRefused) as refused:
            workflow.check(action, state, "team_lead", live=live)
        assert refused.value.code == "wrong_state", action
    with pytest.raises(WorkflowRefused):
        workflow.check("publish", "pending", "caseworker")
    with pytest.raises(WorkflowRefused):
        workflow.check("delete", "pending", "admin")


def test_live_window_is_inclusive_at_publication_and_exclusive_at_expiry():
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert workflow.is_live(3, at, None, at)
    assert not workflow.is_live(3, at, None, at - timedelta(seconds=1))
    assert not workflow.is_live(3, None, at, at)
    assert workflow.is_live(3, None, at, at - timedelta(microseconds=1))
    assert not workflow.is_live(None, None, None, at)
    # SQLite returns naive datetimes in UTC
    assert workflow.is_live(1, at.replace(tzinfo=None), None, at)


# --- outdated translations -------------------------------------------------------------------

def _item(german_versions, german_published, translation_source):
    item = ContentItem(kind="page", slug="fees", targets=[])
    german = ContentTranslation(language="de", state="published", published_number=german_published,
                                versions=[ContentVersion(number=n, title=f"v{n}") for n in german_versions])
    ukrainian = ContentTranslation(language="uk", state="published", published_number=1,
                                   versions=[ContentVersion(number=1, title="Збори", source_number=translation_source)])
    item.translations = [german, ukrainian]
    return item, ukrainian


def test_translation_made_from_the_published_german_version_is_current():
    item, ukrainian = _item([1, 2], 2, translation_source=2)
    assert not is_outdated(item, ukrainian)


def test_translation_is_outdated_once_a_newer_german_version_is_published():
    item, ukrainian = _item([1, 2, 3], 3, translation_source=2)
    assert is_outdated(item, ukrainian)


def test_german_draft_under_review_does_not_make_translations_outdated():
    item, ukrainian = _item([1, 2, 3], 2, translation_source=2)
    assert not is_outdated(item, ukrainian)


def test_translation_of_unknown_origin_counts_as_outdated_and_german_never_is():
    item, ukrainian = _item([1], 1, translation_source=None)
    assert is_outdated(item, ukrainian)
    assert not is_outdated(item, item.translation("de"))


# --- notices ---------------------------------------------------------------------------------

def _notice(start_local, end_local, placement="all", targets=()):
    return ContentItem(kind="notice", slug="n", placement=placement, targets=list(targets),
                       starts_at=from_office_time(start_local) if start_local else None,
                       ends_at=from_office_time(end_local) if end_local else None)


def test_closure_notice_runs_from_midnight_to_midnight_office_time():
    notice = _notice(datetime(2026, 12, 24), datetime(2026, 12, 25))
    # 24 December 00:00 in Berlin is 23:00 UTC on the 23rd (winter time).
    assert notice.starts_at == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
    assert not in_window(notice, datetime(2026, 12, 23, 22, 59, 59, tzinfo=UTC))
    assert in_window(notice, datetime(2026, 12, 23, 23, 0, tzinfo=UTC))  # start inclusive
    assert in_window(notice, datetime(2026, 12, 24, 22, 59, 59, tzinfo=UTC))
    assert not in_window(notice, datetime(2026, 12, 24, 23, 0, tzinfo=UTC))  # end exclusive


def test_notice_window_across_the_autumn_clock_change():
    # Summer time ends on 25 October 2026 at 03:00 CEST (01:00 UTC); 02:30 happens twice.
    notice = _notice(datetime(2026, 10, 24, 18, 0), datetime(2026, 10, 25, 2, 30))
    assert notice.ends_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)
    assert in_window(notice, datetime(2026, 10, 25, 0, 29, tzinfo=UTC))
    assert not in_window(notice, datetime(2026, 10, 25, 1, 15, tzinfo=UTC))  # the second 02:15 (CET)


def test_notice_window_across_the_spring_clock_change():
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST. 02:30 does not exist and is read as 03:30 CEST.
    notice = _notice(datetime(2026, 3, 29, 2, 30), None)
    assert notice.starts_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert not in_window(notice, datetime(2026, 3, 29, 1, 29, tzinfo=UTC))
    assert in_window(notice, datetime(2026, 3, 29, 1, 30, tzinfo=UTC))


def test_notice_placement():
    everywhere = _notice(None, None)
    start = _notice(None, None, "start")
    dillenburg_services = _notice(None, None, "services", ["card-collection"])
    pages = _notice(None, None, "pages")
    booking = _notice(None, None, "booking")
    assert shows_on(everywhere, Where("other"))
    assert shows_on(start, Where("start")) and not shows_on(start, Where("service", "card-collection"))
    assert shows_on(dillenburg_services, Where("service", "card-collection"))
    assert not shows_on(dillenburg_services, Where("service", "permit-extension"))
    assert shows_on(pages, Where("page", "fees")) and not shows_on(pages, Where("start"))
    assert shows_on(booking, where_from_endpoint("public.appointment_calendar", {"code": "x", "site": "WZ"}))
    assert shows_on(booking, where_from_endpoint("public.hold_appointment", {}))
    assert where_from_endpoint("public.service", {"code": "x"}) == Where("service", "x")
    assert where_from_endpoint("public.index", {}) == Where("start")
