"""The accessibility statement and the Leichte Sprache page are linked from every public page,
once: from the editors' content menu when it lists them, otherwise from the footer's own links."""
from __future__ import annotations

import re

import pytest

STATEMENT = re.compile(r'<a [^>]*href="/(\w\w)/pages/accessibility"')
EASY = re.compile(r'<a [^>]*href="/\w\w/pages/easy-language"[^>]*>')
PAGES = ("/{lang}/", "/{lang}/services/", "/{lang}/status/", "/{lang}/appointments/", "/{lang}/contact",
         "/{lang}/search?q=Termin")


def _footer(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True).split('<footer class="site-footer">', 1)[1]


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_footer_links_both_pages_when_the_menu_does_not(client, sites, lang):
    for url in PAGES:
        footer = _footer(client, url.format(lang=lang))
        assert STATEMENT.findall(footer) == [lang], url
        easy = EASY.findall(footer)
        assert len(easy) == 1 and 'hreflang="de"' in easy[0], url
        assert 'class="content-menu"' not in footer  # nothing published: the links are the footer's own


def test_seeded_menu_lists_them_and_the_footer_does_not_repeat_them(client, sites, db_session):
    from portal.content.seed import load_seed_content
    from portal.models._types import utcnow

    load_seed_content(db_session, utcnow())
    db_session.commit()
    for url in PAGES:
        footer = _footer(client, url.format(lang="ar"))
        assert len(STATEMENT.findall(footer)) == 1 and len(EASY.findall(footer)) == 1, url
        menu = footer.split('class="content-menu"', 1)[1]
        assert STATEMENT.search(menu) and EASY.search(menu), url
        assert 'id="footer-accessibility"' not in footer and 'id="footer-easy-language"' not in footer
    statement = client.get("/de/pages/accessibility").get_data(as_text=True)
    for part in ("Stand der Vereinbarkeit", "Nicht barrierefreie Inhalte", "Barrieren melden",
                 "Durchsetzungsverfahren", "Regierungspräsidium Gießen", "zuletzt am"):
        assert part in statement, part
