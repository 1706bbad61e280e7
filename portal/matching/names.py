"""Names as the office meets them: folded, transliterated, reduced to comparable keys.

The same person reaches the office as `Шевченко Олександр` (Ukrainian passport, native
script), `Shevchenko Oleksandr` (the passport's Latin line), `Schewtschenko Alexander` (an
old German file), `Müller`, `Mueller` or `Muller`, and `محمد الحسن`, `Mohammad Al-Hassan` or
`Mohamed Alhasan`. Everything here is pure text work, without the database:

* `fold(text)`: Unicode NFKC, case folding, diacritics stripped (Latin and Greek only: the
  breve of `й` and the diaeresis of `ї` are letters of their own), special letters mapped
  (ł→l, ø→o, ı→i, ß→ss …), apostrophes dropped (`Mar'yana`, `O'Brien`), every other
  non-letter a space. German umlauts give two variants where they differ: `mueller` and
  `muller` (passports write `MUELLER`, many databases `Muller`).
* `transliterate(text)`: Latin ASCII variants. Cyrillic by ICAO 9303 (7th edition; as in
  passports issued since 2013) in its Ukrainian form (KMU 2010: Г→h, И→y, І→i, word-initial
  Є/Ї/Й/Ю/Я → ye/yi/y/yu/ya, `зг` → zgh) and its Russian form (Г→g, И→i, Й→i, Ю→iu, Я→ia,
  Ё→e, Ъ→ie), plus the Russian spelling of older passports (Й→y, Ю→yu, Я→ya). Letters only
  Ukrainian has (і ї є ґ) mean Ukrainian, letters only Russian has (ы э ё ъ) mean Russian;
  otherwise both variants are given. Greek by ELOT 743 (basic). Arabic and Persian script
  gives the usual passport spellings of its words (portal.matching.romanise: محمد →
  mohammad, mohammed, muhammad, mohamed …) when every word is a known name, else the
  consonant skeleton (see below), since short vowels are not written.
* `skeleton(text)`: the consonant skeleton of Arabic-script or Latin text, so that
  `محمد`, `Mohammad`, `Muhammad`, `Mohamed` all give `mhmd`, and `الحسن`, `Al-Hassan`,
  `Alhasan`, `El Hasan` all give `hsn`. Both sides are reduced the same way: the article
  (ال, al-/el-/ad-/ar-/as-/ash-…, also glued: `Alhassan`) is dropped; `Abdul`/`Abdel` is
  `Abd` (the l belongs to the next word's article); letters that Latin spellings mix up
  share one class (ق ك خ q k c kh ch → k; س ص ش s sh sch → s; ت ط ث t th → t; ج غ گ j g
  gh dj → g; د ض ذ d dh → d; ز ظ ژ z zh → z; ب پ b p → b); vowels and the half-vowels
  (ا و ي ى ع ء ة, a e i o u w y v) are dropped, as is a word-final ه or Latin `h` after a
  vowel (`Fatimah`); doubled letters (shadda, `Hassan`) count once. A skeleton is weaker
  evidence than a spelling (محمود and محمد share `mhmd`), so it is weighted lower and only
  used for Arabic-script names or names of an Arabic context (nationality, an Arabic
  alias, an Arabic-looking spelling).
* `loosen(text)`: a looser Latin form for the spellings that German files used for
  Cyrillic names (`Schewtschenko` ~ `Shevchenko`, `Jurij` ~ `Yurii`, `Olexandr` ~
  `Oleksandr`): tsch→ch, sch→sh, w→v, j→y, x→ks, ye/yu/ya → ie/iu/ia, doubled letters once.
* `name_keys(surname, given_names)`: the searchable keys stored in CaseFileNameKey
  (each token and the whole name, every variant; skeleton keys prefixed with `~`).
* `similarity(a, b)`: 0..1 with rapidfuzz on the best pair of variants; token_sort_ratio
  for swapped order inside a name, token_set_ratio for double names (one name missing).
  In an Arabic context the romanisation's name lists decide too: two usual spellings of one
  name (Mohamed, Muhammad) are the same name in another spelling, two spellings of different
  names (Hasan, Hussein; Mahmoud, Mohammad) never meet through their consonant skeleton.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from portal.matching import romanise as R

# --- folding -----------------------------------------------------------------------------

_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue"}
# Letters that Unicode does not decompose into a base letter and a mark.
_SPECIAL_LATIN = {
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
    "ŧ": "t", "ŋ": "n", "ĸ": "k", "ə": "e", "ǝ": "e", "ß": "ss", "ƒ": "f", "ɨ": "i", "ʉ": "u",
}
# Dropped without a space: `Mar'yana` is one word, so is `D'Angelo`.
_APOSTROPHES = frozenset("'’ʼʻ`´‘ʹ′\u02bc\u0640")  # ... and the Arabic tatweel


def _script(ch: str) -> str:
    """LATIN, CYRILLIC, GREEK, ARABIC, … from the character's Unicode name."""
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


@lru_cache(maxsize=4096)
def _char_fold(ch: str) -> str:
    """One lower-case character as folded plain text (umlauts not yet expanded)."""
    if ch in _SPECIAL_LATIN:
        return _SPECIAL_LATIN[ch]
    if ch in _APOSTROPHES:
        return ""
    category = unicodedata.category(ch)
    if category.startswith("M"):
        return ""  # a stray combining mark (Arabic harakat, a dot left by İ)
    if not category.startswith("L"):
        return " "
    script = _script(ch)
    if script in ("LATIN", "GREEK"):
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        return "".join(_SPECIAL_LATIN.get(c, c) for c in base)
    return ch


def _squeeze(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def fold(text: str) -> tuple[str, ...]:
    """Folded variants of `text`, most specific first: ('mueller', 'muller') for Müller.

    Letters of every script are kept (transliterate() turns them into Latin)."""
    if not text:
        return ()
    text = unicodedata.normalize("NFKC", text)
    # Composed again after case folding, so that `Ü` and `U`+diaeresis are one `ü`.
    lowered = unicodedata.normalize("NFC", text.casefold())
    umlaut = _squeeze("".join(_UMLAUTS.get(ch) or _char_fold(ch) for ch in lowered))
    plain = _squeeze("".join(_char_fold(ch) for ch in lowered))
    variants = tuple(dict.fromkeys(v for v in (umlaut, plain) if v))
    return variants


# --- Cyrillic ------------------------------------------------------------------------------

_UA_ONLY = frozenset("іїєґ")
_RU_ONLY = frozenset("ыэёъ")

_CYRILLIC_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ж": "zh", "з": "z", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    # Belarusian, Serbian, Macedonian, Kazakh letters: a plain Latin reading.
    "ў": "u", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj",
    "ќ": "kj", "ѕ": "dz", "қ": "k", "ғ": "g", "ң": "ng", "ү": "u", "ұ": "u", "һ": "h", "ә": "a",
    "ө": "o",
}
# Ukrainian, KMU resolution 55 of 2010 (used in Ukrainian passports): (word start, elsewhere).
_UKRAINIAN = {
    **_CYRILLIC_COMMON,
    "г": "h", "ґ": "g", "и": "y", "і": "i", "є": ("ye", "ie"), "ї": ("yi", "i"), "й": ("y", "i"),
    "ю": ("yu", "iu"), "я": ("ya", "ia"),
    # Not Ukrainian letters, read as the Russian table would.
    "ё": "e", "ы": "y", "э": "e", "ъ": "",
}
# Russian, ICAO 9303 7th edition (Russian passports since 2013).
_RUSSIAN_ICAO = {
    **_CYRILLIC_COMMON,
    "г": "g", "и": "i", "й": "i", "ё": "e", "ы": "y", "э": "e", "ъ": "ie", "ю": "iu", "я": "ia",
    "і": "i", "ї": "i", "є": "e", "ґ": "g",
}
# Russian as older passports and most existing German files spell it.
_RUSSIAN_OLD = {**_RUSSIAN_ICAO, "й": "y", "ю": "yu", "я": "ya", "ъ": ""}


def _cyrillic(text: str, table: dict, *, ukrainian: bool = False) -> str:
    out = []
    for i, ch in enumerate(text):
        if ukrainian and ch == "г" and i > 0 and text[i - 1] == "з":
            out.append("gh")  # зг → zgh, so that it is not read as ж (zh)
            continue
        mapped = table.get(ch, ch)
        if isinstance(mapped, tuple):
            initial = i == 0 or not text[i - 1].isalpha()
            mapped = mapped[0] if initial else mapped[1]
        out.append(mapped)
    return "".join(out)


def _cyrillic_variants(text: str) -> list[str]:
    letters = set(text)
    is_ukrainian = bool(letters & _UA_ONLY)
    is_russian = bool(letters & _RU_ONLY)
    variants = []
    if is_ukrainian or not is_russian:
        variants.append(_cyrillic(text, _UKRAINIAN, ukrainian=True))
    if is_russian or not is_ukrainian:
        variants.append(_cyrillic(text, _RUSSIAN_ICAO))
        variants.append(_cyrillic(text, _RUSSIAN_OLD))
    return variants


# --- Greek (ELOT 743, basic) ----------------------------------------------------------------

_GREEK_PAIRS = {"ου": "ou", "αι": "ai", "ει": "ei", "οι": "oi", "αυ": "av", "ευ": "ev", "ηυ": "iv",
                "γγ": "ng", "γκ": "gk", "γξ": "nx", "γχ": "nch", "μπ": "mp", "ντ": "nt"}
_GREEK = {"α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
          "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
          "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o"}


def _greek(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in _GREEK_PAIRS:
            out.append(_GREEK_PAIRS[pair])
            i += 2
        else:
            out.append(_GREEK.get(text[i], text[i]))
            i += 1
    return "".join(out)


# --- Arabic script and consonant skeletons -------------------------------------------------

_ARABIC_SKELETON = {
    **dict.fromkeys("اأإآٱءؤئىيیوعةۀەےـ", ""),
    **dict.fromkeys("بپ", "b"), **dict.fromkeys("تطثٹ", "t"), **dict.fromkeys("جغگ", "g"),
    **dict.fromkeys("حھ", "h"), **dict.fromkeys("خقكکچ", "k"), **dict.fromkeys("دضذڈ", "d"),
    **dict.fromkeys("رڑ", "r"), **dict.fromkeys("زظژ", "z"), **dict.fromkeys("سصش", "s"),
    "ف": "f", "ل": "l", "م": "m", **dict.fromkeys("نں", "n"), "ه": "h",
}
_ARABIC_ARTICLE = "ال"
# Latin forms of the article, as a word of its own (`Al Hassan`, `Ar-Rashid` after folding).
_LATIN_ARTICLES = frozenset({"al", "el", "ul", "il", "ad", "ar", "as", "ash", "at", "az", "an", "ath",
                             "adh", "ed", "er", "es", "et", "ez", "en"})
_LATIN_DIGRAPHS = [("dsch", "g"), ("tsch", "k"), ("sch", "s"), ("sh", "s"), ("ch", "k"), ("kh", "k"),
                   ("gh", "g"), ("dh", "d"), ("th", "t"), ("ph", "f"), ("zh", "z"), ("dj", "g"),
                   ("ck", "k")]
_LATIN_SKELETON = str.maketrans({"q": "k", "c": "k", "j": "g", "x": "ks", "p": "b",
                                 **dict.fromkeys("aeiouwyv", "")})
_DOUBLE = re.compile(r"(.)\1+")
_ABD = re.compile(r"^abd(?:oul|ul|el|al|ol|il)")
_GLUED_ARTICLE = re.compile(r"^(?:al|el)(?=[a-z]{4,})")
_FINAL_H = re.compile(r"(?<=[aeiouy])h$")


def _is_arabic_char(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff"


def has_arabic_script(text: str) -> bool:
    return any(_is_arabic_char(ch) for ch in text)


def _arabic_token_skeleton(token: str) -> str:
    if token.startswith(_ARABIC_ARTICLE) and len(token) >= 4:
        token = token[2:]
    out = []
    for i, ch in enumerate(token):
        if ch == "ه" and i == len(token) - 1:
            continue  # word-final ه is mostly a vowel (Fereshteh) or ta marbuta's cousin
        out.append(_ARABIC_SKELETON.get(ch, ""))
    return "".join(out)


def _latin_token_skeleton(token: str) -> str:
    token = _ABD.sub("abd", token)
    token = _GLUED_ARTICLE.sub("", token)
    for pair, single in _LATIN_DIGRAPHS:
        token = token.replace(pair, single)
    token = _FINAL_H.sub("", token)
    return token.translate(_LATIN_SKELETON)


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """The consonant skeleton (`mhmd`), spaces removed; '' when nothing is left."""
    tokens = []
    for variant in fold(text)[-1:]:  # the plain fold: ü is u, as Arabic spellings have it
        words = variant.split()
        # Articles as words of their own go, unless nothing else is left.
        kept = [w for w in words if w not in _LATIN_ARTICLES] or words
        for word in kept:
            if has_arabic_script(word):
                tokens.append(_arabic_token_skeleton(word))
            else:
                latin = _latin_variants_of_folded(word)
                tokens.append(_latin_token_skeleton(latin[0]) if latin else "")
    return _DOUBLE.sub(r"\1", "".join(tokens))


# --- Latin variants ------------------------------------------------------------------------

def _latin_variants_of_folded(folded: str) -> list[str]:
    """ASCII variants of an already folded text; [] when it is (only) Arabic script."""
    scripts = {_script(ch) for ch in folded if ch.isalpha() and not ch.isascii()}
    if not scripts:
        return [folded]
    if "ARABIC" in scripts and not any(ch.isascii() and ch.isalpha() for ch in folded):
        return []
    variants = [folded]
    if "CYRILLIC" in scripts:
        variants = [v for text in variants for v in _cyrillic_variants(text)]
    if "GREEK" in scripts:
        variants = [_greek(v) for v in variants]
    # Whatever is left that is not ASCII (Arabic inside a Latin name, CJK …) is dropped.
    cleaned = [_squeeze("".join(ch if ch.isascii() else " " for ch in v)) for v in variants]
    return list(dict.fromkeys(v for v in cleaned if v))


def _romanised(text: str) -> tuple[str, ...]:
    """The usual passport spellings of an Arabic-script name (ASCII, lower case), when every
    word of it is a known name; () otherwise."""
    romanised = R.romanise(text)
    if not romanised.known:
        return ()
    return tuple(dict.fromkeys(v for v in (R.ascii_fold(s) for s in romanised.spellings()) if v))


@lru_cache(maxsize=65536)
def transliterate(text: str) -> tuple[str, ...]:
    """Latin (ASCII, lower case) variants of a name in any script: Олександр → ('oleksandr',),
    Михайло → ('mykhailo',), Сергей → ('sergei', 'sergey'), محمد → ('mohammad', 'mohammed', …)
    (the usual passport spellings), an unknown Arabic-script name → its skeleton ('kntdrs',)."""
    variants: list[str] = []
    for folded in fold(text):
        variants.extend(_latin_variants_of_folded(folded))
    if not variants and has_arabic_script(text):
        known = _romanised(text)
        if known:
            return known
        sk = skeleton(text)
        return (sk,) if sk else ()
    return tuple(dict.fromkeys(variants))


_LOOSE_STEPS = [("dsch", "j"), ("tsch", "ch"), ("sch", "sh"), ("w", "v"), ("ph", "f"), ("x", "ks"),
                ("ck", "k"), ("j", "y"), ("iy", "i"), ("yi", "i"), ("ye", "ie"), ("yu", "iu"),
                ("ya", "ia"), ("yo", "io")]


@lru_cache(maxsize=65536)
def loosen(latin: str) -> str:
    """The looser form of an ASCII name (German-style spellings of Cyrillic names meet the
    ICAO ones): schewtschenko → shevchenko, jurij → iuri, yuliia → iulia."""
    for old, new in _LOOSE_STEPS:
        latin = latin.replace(old, new)
    return _DOUBLE.sub(r"\1", latin)


def strip_articles(latin: str) -> str:
    """`al hassan` → `hassan`, `alhassan` → `hassan` (for names of an Arabic context)."""
    words = latin.split()
    kept = [w for w in words if w not in _LATIN_ARTICLES] or words
    return " ".join(_GLUED_ARTICLE.sub("", w) for w in kept)


_ARABIC_LATIN = re.compile(r"^(?:al|el|as|ash|ad|ar|at|az|an)\s|\b(?:abd|abdul|abdel|abu|bin|ibn|bint)\b")


# Nationalities whose names are written in Arabic script at home (Arabic, Persian, Dari,
# Pashto, Urdu, Sorani Kurdish): their Latin spellings vary the Arabic way.
ARABIC_SCRIPT_NATIONALITIES = frozenset({
    "AFG", "ARE", "BHR", "COM", "DJI", "DZA", "EGY", "ESH", "IRN", "IRQ", "JOR", "KWT", "LBN", "LBY",
    "MAR", "MRT", "OMN", "PAK", "PSE", "QAT", "SAU", "SDN", "SOM", "SYR", "TCD", "TUN", "YEM",
})


def arabic_context(*names: str, nationalities: tuple[str, ...] = ()) -> bool:
    """Whether names are to be compared the Arabic way too (consonant skeletons)."""
    if any(code and code.upper() in ARABIC_SCRIPT_NATIONALITIES for code in nationalities):
        return True
    return any(name and looks_arabic(name) for name in names)


@lru_cache(maxsize=65536)
def looks_arabic(text: str) -> bool:
    """Arabic script, or a Latin spelling with an Arabic article or name particle."""
    if has_arabic_script(text):
        return True
    return any(_ARABIC_LATIN.search(v) for v in fold(text))


# --- keys ----------------------------------------------------------------------------------

KEY_LENGTH = 120  # CaseFileNameKey.key
SKELETON_PREFIX = "~"
SURNAME, GIVEN = "surname", "given"


def _latin_keys(latin: str) -> set[str]:
    keys: set[str] = set()
    for form in {latin, loosen(latin)}:
        words = form.split()
        keys.add(form)
        if len(words) > 1:
            keys.add("".join(words))  # `al hassan` = `alhassan`
        keys.update(w for w in words if len(w) >= 2 and w not in _LATIN_ARTICLES)
    return keys


def _keys_for(text: str, *, with_skeleton: bool) -> set[str]:
    keys: set[str] = set()
    if has_arabic_script(text) and not forms(text).latin:
        # Not every word is a known name: the known ones get their spellings as keys.
        for part in R.romanise(text).parts:
            if part.known:
                for spelling in part.spellings[:6]:
                    keys |= _latin_keys(R.ascii_fold(spelling))
    for latin in forms(text).latin:
        for form in {latin, loosen(latin)}:
            words = form.split()
            keys.add(form)
            if len(words) > 1:
                keys.add("".join(words))  # `al hassan` = `alhassan`
            keys.update(w for w in words if len(w) >= 2 and w not in _LATIN_ARTICLES)
    if with_skeleton or has_arabic_script(text):
        whole = skeleton(text)
        if len(whole) >= 2:
            keys.add(SKELETON_PREFIX + whole)
        words = text.split()
        if len(words) > 1:
            for word in words:
                sk = skeleton(word)
                if len(sk) >= 2:
                    keys.add(SKELETON_PREFIX + sk)
    return {k[:KEY_LENGTH] for k in keys if k}


def name_keys(surname: str, given_names: str = "", *, skeletons: bool | None = None) -> set[tuple[str, str]]:
    """Every searchable key of a name: (kind, key) with kind "surname" or "given".

    `skeletons` adds the consonant-skeleton keys (`~mhmd`); by default only for names that
    look Arabic. Queries ask for them always (they only meet skeleton keys of files)."""
    if skeletons is None:
        skeletons = looks_arabic(f"{surname} {given_names}")
    keys = {(SURNAME, k) for k in _keys_for(surname or "", with_skeleton=skeletons)}
    keys |= {(GIVEN, k) for k in _keys_for(given_names or "", with_skeleton=skeletons)}
    return keys


def key_prefixes(text: str) -> set[str]:
    """The beginnings of stored keys a typed beginning of a surname may mean, in any script:
    `Лисе` → lyse, lise; `Shev` → shev; `الحس` → the known spellings and `~hs` (the skeleton)."""
    prefixes = {v for v in fold(text)} | set(transliterate(text))
    prefixes |= {loosen(p) for p in prefixes if p.isascii()}
    if has_arabic_script(text):
        sk = skeleton(text)
        if sk:
            prefixes.add(SKELETON_PREFIX + sk)
    return {p[:KEY_LENGTH] for p in prefixes if p and p.isascii()}


# --- comparison ----------------------------------------------------------------------------

SAME, TRANSLITERATED, LOOSE, SKELETON, SIMILAR, DIFFERENT = (
    "same", "transliterated", "loose", "skeleton", "similar", "different")


@dataclass(frozen=True)
class NameForms:
    text: str
    folded: tuple[str, ...]       # folded, in the name's own script
    latin: tuple[str, ...]        # ASCII variants (none for Arabic script)
    unarticled: tuple[str, ...]   # the ASCII variants without the article (strip_articles)
    loose: tuple[str, ...]
    skeleton: str
    native_latin: bool            # written in Latin script to begin with
    arabic_script: bool


@lru_cache(maxsize=65536)
def forms(text: str) -> NameForms:
    text = text or ""
    folded = fold(text)
    arabic = has_arabic_script(text)
    if arabic and not any(c.isascii() and c.isalpha() for c in text):
        latin = _romanised(text)  # the usual spellings when every word is a known name
    else:
        latin = transliterate(text)
    return NameForms(
        text=text, folded=folded, latin=latin,
        unarticled=tuple(dict.fromkeys(strip_articles(v) for v in latin)),
        loose=tuple(dict.fromkeys(loosen(v) for v in latin)),
        skeleton=skeleton(text),
        native_latin=all(ch.isascii() for v in folded for ch in v),
        arabic_script=arabic,
    )


@dataclass(frozen=True)
class Comparison:
    score: float  # 0..1
    how: str      # SAME, TRANSLITERATED, LOOSE, SKELETON, SIMILAR, DIFFERENT


_EXTRA_SCORERS = ((fuzz.token_sort_ratio, 1.0), (fuzz.token_set_ratio, 0.92))


def _best_ratio(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """The best rapidfuzz score (0..100) of any pair of ASCII forms of the two lists. Per pair:
    the plain ratio; where either form has a space also the ratio without spaces, the
    token-sort ratio (word order inside a name does not matter) and 0.92 times the token-set
    ratio (one of two given names missing costs a little: `Anna` against `Anna Maria`).
    Each x meets all of `right` in one call into rapidfuzz (a name in Arabic script has a dozen
    romanised forms: a hundred pairs and more, which one by one cost most of a cold matching).
    The scorers besides the plain ratio are applied to all of `right` where any of the pair can
    have a space: on two single words each of them is at most the plain ratio."""
    right = tuple(dict.fromkeys(right))
    right_spaced = any(" " in y for y in right)
    right_glued = tuple(y.replace(" ", "") for y in right) if right_spaced else right
    best = 0.0
    for x in dict.fromkeys(left):
        best = max(best, process.extractOne(x, right, scorer=fuzz.ratio)[1])
        if best >= 100.0:
            return 100.0
        if right_spaced or " " in x:
            best = max(best, process.extractOne(x.replace(" ", ""), right_glued, scorer=fuzz.ratio)[1])
            for scorer, weight in _EXTRA_SCORERS:
                best = max(best, weight * process.extractOne(x, right, scorer=scorer)[1])
    return best


def _skeleton_weight(length: int) -> float:
    # A long skeleton is good evidence, a short one (Ali → l) hardly any.
    return 0.95 if length >= 4 else 0.92 if length == 3 else 0.8 if length == 2 else 0.6


SAME_NAME, OTHER_NAMES = "same name", "other names"


# The pieces of a Latin form that the relation below reads again for every form it meets:
# kept per string, so that a cold comparison of two Arabic names (8 forms each) does not split,
# strip and fold the same few strings hundreds of times.
_spelling_ids = lru_cache(maxsize=65536)(R.spelling_ids)


@lru_cache(maxsize=65536)
def _words(latin: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words of a Latin form as written, and without the article."""
    return tuple(latin.split()), tuple(strip_articles(latin).split())


@lru_cache(maxsize=65536)
def _sorted_words(latin: str) -> str:
    return " ".join(sorted(latin.split()))


def _word_relation(x: str, y: str) -> str | None:
    if x == y:
        return SAME_NAME
    ids_x, ids_y = _spelling_ids(x), _spelling_ids(y)
    if ids_x and ids_y:
        return SAME_NAME if ids_x & ids_y else OTHER_NAMES
    return None


@lru_cache(maxsize=65536)
def _words_relation(a: str, b: str) -> str | None:
    """SAME_NAME when each word of `a` is a usual spelling of the same name as the word of `b`
    in its place, OTHER_NAMES when two of them are spellings of different known names. Tried as
    written and without the article (Aleppo is no al-Eppo, Al-Hassan is Hassan)."""
    (written_a, stripped_a), (written_b, stripped_b) = _words(a), _words(b)
    as_written = _plain_words_relation(written_a, written_b)
    if as_written == SAME_NAME:
        return as_written
    stripped = _plain_words_relation(stripped_a, stripped_b)
    return stripped if stripped == SAME_NAME else as_written or stripped


def _plain_words_relation(wa: tuple[str, ...], wb: tuple[str, ...]) -> str | None:
    if not wa or not wb:
        return None
    glued = _word_relation("".join(wa), "".join(wb))  # Abdulrahman = Abdul Rahman
    if glued == SAME_NAME or len(wa) != len(wb):
        return glued if glued == SAME_NAME else None
    relations = [_word_relation(x, y) for x, y in zip(wa, wb)]
    if OTHER_NAMES in relations:
        return OTHER_NAMES
    return SAME_NAME if all(r == SAME_NAME for r in relations) else None


@lru_cache(maxsize=65536)
def _relation(latin_a: tuple[str, ...], latin_b: tuple[str, ...]) -> str | None:
    """What the name lists say of two names' Latin forms: SAME_NAME, OTHER_NAMES or None
    (they do not know). Same name wins when any pair of forms says so (in either word order)."""
    found = None
    for x in latin_a[:4]:
        for y in latin_b[:4]:
            for relation in (_words_relation(x, y), _words_relation(_sorted_words(x), _sorted_words(y))):
                if relation == SAME_NAME:
                    return SAME_NAME
                found = found or relation
    return found


@lru_cache(maxsize=65536)
def compare(a: str, b: str, *, arabic: bool | None = None) -> Comparison:
    """How close two spellings of one name are, and by which rule (cached: the same names
    meet again and again)."""
    fa, fb = forms(a), forms(b)
    if not fa.folded or not fb.folded:
        return Comparison(0.0, DIFFERENT)
    if set(fa.folded) & set(fb.folded):
        return Comparison(1.0, SAME)
    if set(fa.latin) & set(fb.latin):
        how = SAME if fa.native_latin and fb.native_latin else TRANSLITERATED
        return Comparison(1.0, how)
    if arabic is None:
        arabic = fa.arabic_script or fb.arabic_script or looks_arabic(a) or looks_arabic(b)
    best, how = 0.0, DIFFERENT
    relation = _relation(fa.latin, fb.latin) if arabic and fa.latin and fb.latin else None
    if fa.latin and fb.latin:
        best = _best_ratio(fa.latin, fb.latin)
        if arabic and (fa.unarticled, fb.unarticled) != (fa.latin, fb.latin):  # else the same pairs
            best = max(best, _best_ratio(fa.unarticled, fb.unarticled))
        best /= 100
        how = SIMILAR
        if set(fa.loose) & set(fb.loose):
            if 0.97 > best:
                best, how = 0.97, LOOSE
        elif (fa.loose, fb.loose) != (fa.latin, fb.latin):  # else 0.97 times what `best` is
            loose = _best_ratio(fa.loose, fb.loose) / 100 * 0.97
            if loose > best:
                best, how = loose, LOOSE
    if relation == SAME_NAME and best < 0.97:
        best, how = 0.97, LOOSE
    if arabic and fa.skeleton and fb.skeleton and relation != OTHER_NAMES:
        sk = fuzz.ratio(fa.skeleton, fb.skeleton) / 100 * _skeleton_weight(min(len(fa.skeleton), len(fb.skeleton)))
        if fa.latin and fb.latin:
            # Both written in Latin: the spellings themselves say more than the skeleton
            # (Mahmoud and Mohammad share mhmd), so the skeleton lifts the score only a little.
            sk = min(sk, best + 0.2)
        if sk > best:
            best, how = sk, SKELETON
    return Comparison(round(best, 4), how)


def similarity(a: str, b: str, *, arabic: bool | None = None) -> float:
    """0..1: 1.0 for the same name in any spelling the rules above know, less for typos,
    other transliterations and missing parts."""
    return compare(a, b, arabic=arabic).score
