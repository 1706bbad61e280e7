"""Every shipped catalogue is complete, current and consistent with the source."""
import importlib.util

import pytest
from babel.messages.pofile import read_po

from tests.support.helpers import ROOT

_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
i18n_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_script)

CATALOGUES = [(domain, lang) for domain, (langs, _) in i18n_script.DOMAINS.items() for lang in langs]


def _read(domain, lang):
    path = i18n_script.TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing: run python scripts/i18n.py update"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory):
    out = tmp_path_factory.mktemp("pot")
    ids = {}
    for domain in i18n_script.DOMAINS:
        with i18n_script.extract(domain, out / f"{domain}.pot").open("rb") as fh:
            ids[domain] = {m.id for m in read_po(fh) if m.id}
    return ids


@pytest.mark.parametrize("domain, lang", CATALOGUES)
def test_no_untranslated_or_fuzzy_entry(domain, lang):
    catalog = _read(domain, lang)
    untranslated = [m.id for m in catalog if m.id and (not m.string or (
        isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{lang}/{domain}: untranslated {untranslated}"
    assert not fuzzy, f"{lang}/{domain}: fuzzy {fuzzy}"


@pytest.mark.parametrize("domain, lang", CATALOGUES)
def test_placeholders_survive_translation(domain, lang):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _read(domain, lang).check()]
    assert not problems


@pytest.mark.parametrize("domain, lang", CATALOGUES)
def test_catalogue_holds_every_string_of_the_source(domain, lang, source_ids):
    ids = {m.id for m in _read(domain, lang) if m.id}
    missing = source_ids[domain] - ids
    assert not missing, f"{lang}/{domain} lacks {sorted(map(str, missing))}: run python scripts/i18n.py update"


def test_translations_are_not_copies_of_english():
    """A catalogue that just repeats the English ids is not a translation."""
    for domain, lang in CATALOGUES:
        if lang == "en":
            continue
        catalog = _read(domain, lang)
        copies = [m.id for m in catalog if m.id and m.string == m.id and len(str(m.id)) > 12]
        assert len(copies) <= 2, f"{lang}/{domain} repeats English: {copies}"
