"""Names in Arabic and Persian script as passports write them: the name lists, the rules for
what is built of known words, and the letter-by-letter last resort (marked)."""
from pathlib import Path

import pytest

from portal.casefiles.person import latin_beside
from portal.matching.names import compare, name_keys, similarity
from portal.matching.romanise import (
    FALLBACK_MARK, ICAO_9303, arabic_key, ascii_fold, context_of, dictionary, romanise,
)

SAMPLE = Path(__file__).parent / "data" / "wikidata_name_pairs.tsv"


def _wikidata_pairs() -> list[tuple[str, str]]:
    rows = [line.rstrip("\n").split("\t") for line in SAMPLE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return [(script, latin) for script, latin, _ in rows]


WIKIDATA_PAIRS = _wikidata_pairs()


def test_the_sample_is_large_enough_and_from_the_source():
    assert len(WIKIDATA_PAIRS) >= 200
    # Written by scripts/build_name_dictionary.py from the source named in the dictionary's header.
    header = (Path(__file__).parents[2] / "portal" / "matching" / "data" / "wikidata_arabic_names.tsv").read_text(
        encoding="utf-8").splitlines()[:5]
    assert any("NETransliteration-COLING2018" in line for line in header)
    assert any("CC0" in line for line in header)


@pytest.mark.parametrize("script, latin", WIKIDATA_PAIRS, ids=[f"{s}={latin}" for s, latin in WIKIDATA_PAIRS])
def test_every_spelling_wikidata_people_bear_finds_the_name(script, latin):
    """The word is known (no letter-by-letter form), and the Latin spelling its bearers use is
    the same name to the matching and shares a search key with it: a file kept in Arabic script
    is found under that spelling, and a file kept under that spelling from the Arabic script."""
    romanised = romanise(script)
    assert romanised.known and FALLBACK_MARK not in romanised.latin
    assert compare(script, latin).score >= 0.9
    assert {k for _, k in name_keys(script, "")} & {k for _, k in name_keys(latin, "", skeletons=True)}


# From the conventions (name_conventions.tsv) and the rules built on them: (script, shown).
CONVENTIONS = [
    ("محمد علي", "Mohammad Ali"),
    ("محمد", "Mohammad"), ("أحمد", "Ahmad"), ("احمد", "Ahmad"), ("أَحْمَد", "Ahmad"), ("علي", "Ali"),
    ("عمر", "Omar"), ("خالد", "Khaled"), ("يوسف", "Yousef"), ("یوسف", "Yousuf"), ("حسن", "Hassan"),
    ("حسين", "Hussein"), ("حسین", "Hossein"), ("محمود", "Mahmoud"), ("مصطفى", "Mustafa"), ("مصطفی", "Mustafa"),
    ("فاطمة", "Fatima"), ("فاطمه", "Fatima"), ("مريم", "Mariam"), ("زينب", "Zainab"), ("عائشة", "Aisha"),
    ("رضا", "Rida"), ("رضا حسینی", "Reza Hosseini"), ("فرشته", "Fereshta"), ("جواد", "Jawad"),
    ("علی", "Ali"), ("مهدی", "Mehdi"), ("مهدي", "Mahdi"), ("پروین", "Parwin"), ("ذبیح‌الله", "Zabihullah"),
    # the article
    ("الحسن", "Al-Hassan"), ("الخطيب", "Al-Khatib"), ("الأحمد", "Al-Ahmad"), ("الحسيني", "Al-Husseini"),
    ("محمد الحسن", "Mohammad Al-Hassan"), ("الكردي", "Al-Kurdi"), ("الحلبي", "Al-Halabi"), ("العلي", "Al-Ali"),
    ("العمر", "Al-Omar"),
    # Abd al-, Abu, bin / ibn
    ("عبدالله", "Abdullah"), ("عبد الله", "Abdullah"), ("عبدالرحمن", "Abdulrahman"), ("عبد الرحمن", "Abdul Rahman"),
    ("عبدالعزيز", "Abdulaziz"), ("عبد الكريم", "Abdul Karim"), ("أبو بكر", "Abu Bakr"), ("ابوبكر", "Abubakr"),
    ("محمد بن سلمان", "Mohammad Bin Salman"), ("علي ابن حسين", "Ali Ibn Hussein"), ("فاطمة بنت علي", "Fatima Bint Ali"),
    # the nisba and Persian family names
    ("حسيني", "Husseini"), ("حسینی", "Hosseini"), ("احمدی", "Ahmadi"), ("محمدی", "Mohammadi"), ("رحیمی", "Rahimi"),
    # …allah, …uddin, …zadeh
    ("نصرالله", "Nasrallah"), ("نصرالله حیدری", "Nasrullah Haidari"), ("نورالدين", "Noureddin"),
    ("حسن‌زاده", "Hassanzadeh"),
    # places of birth
    ("حلب", "Aleppo"), ("دمشق", "Damascus"), ("دير الزور", "Deir ez-Zor"), ("کابل", "Kabul"),
    ("مزار شریف", "Mazar-i-Sharif"),
]


@pytest.mark.parametrize("script, shown", CONVENTIONS)
def test_known_names_as_passports_write_them(script, shown):
    romanised = romanise(script)
    assert romanised.latin == shown
    assert romanised.known
    assert latin_beside(script) == shown


def test_the_pairs_come_to_more_than_two_hundred():
    assert len(WIKIDATA_PAIRS) + len(CONVENTIONS) >= 200


def test_done_when_a_caseworker_sees_mohammad_ali():
    assert latin_beside("محمد علي") == "Mohammad Ali"
    # Cyrillic and Greek as before: ICAO 9303 and the national systems.
    assert "Sergei / Sergey" in latin_beside("Сергей")
    assert latin_beside("Олександр") == "Oleksandr"
    assert latin_beside("Shevchenko") == ""


@pytest.mark.parametrize("latin", ["Mohammad", "Mohammed", "Muhammad", "Mohamed", "MOHAMAD", "Muhammed"])
def test_every_usual_spelling_of_a_name_is_one_name(latin):
    assert compare("محمد", latin).score == 1.0
    assert similarity("Mohammad", latin, arabic=True) >= 0.97


def test_different_names_stay_apart_though_their_consonants_agree():
    # Hasan and Hussein, Mohammad and Mahmoud: one consonant skeleton, two names.
    assert similarity("حسن", "حسين") < 0.8
    assert similarity("Hasan", "Hussein", arabic=True) < 0.8
    assert similarity("محمود", "Mohammad") < 0.8
    assert similarity("Mahmoud", "Mohammad", arabic=True) < 0.8


def test_arabic_and_persian_conventions_are_told_by_the_letters():
    assert context_of("حسین") == "fa" and context_of("حسين") == "ar"
    assert romanise("حسین").latin == "Hossein" and romanise("حسين").latin == "Hussein"
    # One entry for أحمد / احمد, فاطمة / فاطمه, علي / علی.
    assert arabic_key("أحمد") == arabic_key("احمد") and arabic_key("فاطمة") == arabic_key("فاطمه")
    assert arabic_key("علي") == arabic_key("علی")


def test_the_persian_ezafe_written_out():
    # هٔ and ۀ mark the ezafe: the word is joined to the next one with -ye.
    assert romanise("زادهٔ").parts[0].latin.endswith("-ye")
    assert romanise("خواجهٔ عبدالله").latin.endswith("-ye Abdullah")


# Names no list knows: the letters of ICAO 9303 Part 3, marked as no known spelling.
FALLBACK = [
    ("كنتدرسفكركفمند", "Kntdrsfkrkfmnd"),
    ("ثخذشصضطظعغ", "Thkhdhshsdtzegh"),
    ("زرقشتنکوپچژگ", "Zrqshtnkwpchzhg"),
    ("الكنتدرس", "Al-Kntdrs"),
    ("قطعة", "Qteah"),
]


@pytest.mark.parametrize("script, letters", FALLBACK)
def test_unknown_names_fall_back_to_icao_9303_marked(script, letters):
    romanised = romanise(script)
    assert not romanised.known and romanised.letter_by_letter
    assert romanised.latin == FALLBACK_MARK + letters
    assert latin_beside(script) == FALLBACK_MARK + letters


def test_a_known_name_beside_an_unknown_one_is_marked_word_by_word():
    assert romanise("محمد كنتدرس").latin == f"Mohammad {FALLBACK_MARK}Kntdrs"


def test_the_icao_table_has_every_arabic_letter():
    for letter in "ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآؤئةى":
        assert letter in ICAO_9303, letter


def test_the_dictionary_is_read_from_the_package_files():
    lists = dictionary()
    assert len(lists) > 10_000  # Wikidata's words and the conventions
    assert lists.find(arabic_key("محمد"), "ar").source == "conventions"
    assert lists.find(arabic_key("سميث"), "ar").latin == "Smith"  # a Wikidata word
    assert ascii_fold("ʿAlī Al-Ḥasan") == "ali al hasan"
