"""Every shipped catalogue is complete, current and consistent with the source."""
import importlib.util
import re

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


# A number put into a sentence that counts something: its noun (and in Arabic, Ukrainian, Russian
# and Turkish often the whole phrase) changes with the number, so the text must be an ngettext
# entry with one form per plural category ("noch 1 Minuten", "9 دقيقة" otherwise).
COUNTED_NOUN = re.compile(
    r"%\(\w+\)[sd](?:\s+more|\s+free|\s+working)?\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|"
    r"pages?|files?|documents?|characters?|digits?|times|results?|people|persons?|items?|bookings?|"
    r"applications?|submissions?|entries|entry|places?|batch(?:es)?)\b", re.IGNORECASE)
# Placeholders named after what they count.
COUNT_NAMES = {"num", "count", "seconds", "minutes", "hours", "days", "weeks", "months", "years"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def counted_without_plural(msgid: str) -> list[str]:
    """Why a non-plural message id should be a plural entry (empty when it need not)."""
    found = [m.group(0) for m in COUNTED_NOUN.finditer(msgid)]
    found += [f"%({name})s" for name in PLACEHOLDER.findall(msgid) if name in COUNT_NAMES]
    return found


@pytest.mark.parametrize("msgid, counted", [
    ("We keep this time for you for %(minutes)s more minutes.", True),
    ("%(num)s free times", True),
    ("Use at most %(count)s.", True),
    ("until %(hours)s hours before it starts", True),
    ("Each file may be at most %(size)s MB.", False),
    ("We have sent a link to %(email)s.", False),
])
def test_the_plural_check_tells_counts_from_other_numbers(msgid, counted):
    assert bool(counted_without_plural(msgid)) is counted


@pytest.mark.parametrize("domain", sorted(i18n_script.DOMAINS))
def test_every_count_has_plural_forms(domain, tmp_path):
    """Extracted from the source: a counted number is never put into a one-form (gettext) text."""
    with i18n_script.extract(domain, tmp_path / f"{domain}.pot").open("rb") as fh:
        singular_only = [m.id for m in read_po(fh) if m.id and not m.pluralizable]
    offenders = {msgid: counted_without_plural(msgid) for msgid in singular_only if counted_without_plural(msgid)}
    assert not offenders, f"{domain}: counts without plural forms (use ngettext): {offenders}"


def test_arabic_dual_forms_do_not_repeat_the_number():
    """Arabic says "two free times" with the dual alone (وقتان متاحان), never "2 وقتان"."""
    catalog = _read("messages", "ar")
    repeated = [m.id[0] for m in catalog if m.id and m.pluralizable and "%(num)" in str(m.string[2])]
    assert not repeated, f"dual forms with the number: {repeated}"
