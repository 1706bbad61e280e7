"""Names in Arabic script as a passport writes them in Latin letters: محمد علي → Mohammad Ali.

Arabic and Persian script leave short vowels unwritten, so no letter-by-letter rule gives the
spelling a passport carries (محمد is Mohammad, not Mhmd). Names are looked up instead:

1. `data/name_conventions.tsv`: common given names, family names, particles and places with
   the spelling that Syrian, Iraqi, Afghan and Iranian passports usually carry and the other
   usual spellings (compiled by the project; Arabic and Persian conventions told apart:
   حسين → Hussein, حسین → Hossein);
2. `data/wikidata_arabic_names.tsv`: name words of people on Wikidata (CC0) with the Latin
   spellings their bearers use, derived by `scripts/build_name_dictionary.py` (see
   `data/README.md` for the source and its licence);
3. rules for what is built from known words: the article (الحسن → Al-Hassan), `Abd al-`
   (عبدالرحمن → Abdulrahman, عبد الرحمن → Abdul Rahman), `Abu`, `bin`/`ibn`, `…allah` and
   `…uddin`, the nisba (حسيني → Husseini, حسینی → Hosseini) and the Persian ezafe (هٔ, ۀ);
4. only then, marked with ≈ as a letter-by-letter form and no known spelling, the Arabic table
   of ICAO Doc 9303 Part 3 without its machine-zone escape letter (ث → th, خ → kh, ع → e …).

Words are compared with their vowel signs, tatweel and hamza seats levelled (`arabic_key`), so
that أحمد and احمد, فاطمة and فاطمه, علي and علی are one entry. Whether a name is Persian is told
by the letters only Persian and Pashto use (پ چ ژ گ ک ی …).

Pure text work, read once per process from files in the package: no network at run time.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
CONVENTIONS = DATA / "name_conventions.tsv"
WIKIDATA = DATA / "wikidata_arabic_names.tsv"

ARABIC, PERSIAN, BOTH = "ar", "fa", "*"
FALLBACK_MARK = "≈"  # before a word given letter by letter (ICAO 9303), not as a known name
MAX_SPELLINGS = 16   # usual spellings kept per word (the first ones are shown and combined)
MAX_WHOLE = 24       # spellings of a whole name (combinations of its words' spellings)

# Vowel signs, Quranic marks, superscript alef; the hamza above of the Persian ezafe (هٔ) too.
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_LEVEL = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ئ": "ي",
    "ک": "ك", "ڪ": "ك", "ۀ": "ه", "ة": "ه", "ھ": "ه", "ہ": "ه", "ؤ": "و", "ء": None, "ـ": None,
    "\u200c": None, "\u200d": None, "\u200f": None, "\u200e": None,
})
_PERSIAN_LETTERS = frozenset("پچژگکیۀټډړږښځڅڼۍې")
_EZAFE_MARKS = ("\u0654", "ۀ")  # هٔ / ۀ at the end of a word: the ezafe written out

# ICAO Doc 9303 Part 3, transliteration of Arabic script, without the escape letter X of the
# machine-readable zone (XTH → th, XKH → kh, XSS → s …); hamza is left out, teh marbuta is
# "ah" at the end of a word (XAH) and "t" elsewhere (XTA).
ICAO_9303 = {
    "ء": "", "آ": "a", "أ": "a", "ؤ": "w", "إ": "i", "ئ": "i", "ا": "a", "ٱ": "a", "ب": "b", "ة": "t",
    "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s",
    "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "e", "غ": "gh", "ف": "f", "ق": "q", "ك": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w", "ى": "a", "ي": "y", "پ": "p", "چ": "ch", "ژ": "zh",
    "ڤ": "v", "گ": "g", "ک": "k", "ی": "y", "ٹ": "t", "ڈ": "d", "ڑ": "r", "ں": "n", "ھ": "h", "ہ": "h",
    "ۀ": "h", "ے": "e", "ټ": "t", "ډ": "d", "ړ": "r", "ږ": "zh", "ښ": "sh", "ځ": "dz", "څ": "ts", "ڼ": "n",
    "ۍ": "ay", "ې": "e",
}

_ARTICLE = "ال"
_ABD, _ABU = "عبد", "ابو"
_ALLAH, _DIN = "الله", "الدين"
_NISBA = "ي"
_ZADEH = "زاده"


def is_arabic_letter(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufeff"


def has_arabic_script(text: str) -> bool:
    return any(is_arabic_letter(ch) for ch in text or "")


def arabic_key(word: str) -> str:
    """The form a word is looked up by: vowel signs, tatweel and joiners gone, hamza seats,
    alef forms, yeh, kaf and teh marbuta levelled (أحمد = احمد, فاطمة = فاطمه, علی = علي)."""
    word = _MARKS.sub("", unicodedata.normalize("NFKC", word or ""))
    return word.translate(_LEVEL)


def context_of(text: str) -> str:
    """PERSIAN when the text uses a letter only Persian, Dari or Pashto writes (or the ezafe
    written out, هٔ), else ARABIC."""
    text = text or ""
    return PERSIAN if any(ch in _PERSIAN_LETTERS for ch in text) or "\u0647\u0654" in text else ARABIC


def ascii_fold(text: str) -> str:
    """A spelling as plain lower-case ASCII words: `Al-Hassan` → `al hassan`, `ʿAlī` → `ali`."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"['’ʼʻʿʾ`´‘]", "", plain)
    return " ".join(re.sub(r"[^a-z]+", " ", plain).split())


def _title(spelling: str) -> str:
    """`abdul rahman` → `Abdul Rahman`, `al-hassan` → `Al-Hassan` (a source in lower case)."""
    return re.sub(r"(^|[\s\-])([a-z])", lambda m: m.group(1) + m.group(2).upper(), spelling)


# --- the dictionary -------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    latin: str                    # the usual passport spelling, as shown
    spellings: tuple[str, ...]    # every usual spelling as shown, the usual one first
    source: str                   # "conventions" or "wikidata"


class Dictionary:
    """Both name lists, read once: Arabic key → context → Entry, and each Latin spelling (folded,
    one word or glued) → the keys of the names it is a spelling of."""

    def __init__(self, conventions: dict[str, dict[str, Entry]], wikidata: dict[str, Entry]):
        self.conventions = conventions
        self.wikidata = wikidata
        self.longest = max((key.count(" ") + 1 for key in conventions), default=1)
        ids: dict[str, set[str]] = {}
        for key, by_context in conventions.items():
            for entry in by_context.values():
                for spelling in entry.spellings:
                    ids.setdefault(ascii_fold(spelling).replace(" ", ""), set()).add(_without_article(key))
        for key, entry in wikidata.items():
            for spelling in entry.spellings:
                ids.setdefault(ascii_fold(spelling).replace(" ", ""), set()).add(_without_article(key))
        self.ids = {spelling: frozenset(keys) for spelling, keys in ids.items()}

    def find(self, key: str, context: str, *, sources=("conventions", "wikidata")) -> Entry | None:
        if "conventions" in sources and key in self.conventions:
            by_context = self.conventions[key]
            for wanted in (context, BOTH, ARABIC, PERSIAN):
                if wanted in by_context:
                    return by_context[wanted]
        if "wikidata" in sources:
            return self.wikidata.get(key)
        return None

    def __len__(self) -> int:
        return len(self.conventions.keys() | self.wikidata.keys())


def _rows(path: Path):
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                yield line.split("\t")


def _dedupe(spellings) -> tuple[str, ...]:
    seen, kept = set(), []
    for spelling in spellings:
        folded = ascii_fold(spelling)
        if folded and folded not in seen:
            seen.add(folded)
            kept.append(spelling)
    return tuple(kept[:MAX_SPELLINGS])


def _without_article(key: str) -> str:
    return key[2:] if key.startswith(_ARTICLE) and len(key) > 3 else key


def _same_name(a: str, b: str) -> bool:
    """Two keys of one name: equal but for the article and a written long a (الرحمن, رحمان)."""
    return a == b or _without_article(a).replace("ا", "") == _without_article(b).replace("ا", "")


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    conventions: dict[str, dict[str, Entry]] = {}
    for columns in _rows(CONVENTIONS):
        script, context, latin = columns[0], columns[1], columns[2]
        others = [s.strip() for s in columns[3].split(",")] if len(columns) > 3 and columns[3] else []
        key = " ".join(arabic_key(word) for word in script.split())
        by_context = conventions.setdefault(key, {})
        known = by_context.get(context)
        spellings = (known.spellings if known else ()) + (latin, *others)
        by_context[context] = Entry(known.latin if known else latin, _dedupe(spellings), "conventions")
    # A spelling the conventions give to one name is not taken from Wikidata for another one
    # (حسن Hassan and حسين Hussein stay two names however a source mixed them up).
    owner: dict[str, str] = {}
    for key, by_context in conventions.items():
        for entry in by_context.values():
            for spelling in entry.spellings:
                owner.setdefault(ascii_fold(spelling), key)
    wikidata: dict[str, Entry] = {}
    for columns in _rows(WIKIDATA):
        key, spellings = columns[0], [s for s in columns[2].split(",") if s]
        spellings = [s for s in spellings if _same_name(owner.get(ascii_fold(s), key), key)]
        if not spellings:
            continue
        if key in conventions:  # more spellings of a name the conventions know: for the matching
            for context, entry in conventions[key].items():
                conventions[key][context] = Entry(entry.latin, _dedupe(entry.spellings + tuple(
                    _title(s) for s in spellings)), entry.source)
            continue
        shown = tuple(_title(s) for s in spellings)
        wikidata[key] = Entry(shown[0], _dedupe(shown), "wikidata")
    return Dictionary(conventions, wikidata)


# --- romanising ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    text: str                     # as written: a word, or words read as one name (عبد الرحمن)
    latin: str                    # as shown: "Mohammad", "Al-Hassan", "Kntdrs"
    spellings: tuple[str, ...]    # the usual spellings as shown, `latin` first
    known: bool                   # False: letter by letter (ICAO 9303), no known spelling

    @property
    def shown(self) -> str:
        return self.latin if self.known else FALLBACK_MARK + self.latin


@dataclass(frozen=True)
class Romanisation:
    text: str
    parts: tuple[Part, ...]

    @property
    def latin(self) -> str:
        """The name as a passport would most likely write it; words only given letter by letter
        are marked with ≈."""
        return " ".join(part.shown for part in self.parts)

    @property
    def known(self) -> bool:
        return bool(self.parts) and all(part.known for part in self.parts)

    @property
    def letter_by_letter(self) -> bool:
        return any(not part.known for part in self.parts)

    def spellings(self, limit: int = MAX_WHOLE) -> tuple[str, ...]:
        """Usual spellings of the whole name as shown, the most likely first (combinations of
        the words' spellings, the more usual ones first)."""
        if not self.parts:
            return ()
        each = 10 if len(self.parts) == 1 else 4
        choices = [part.spellings[:each] if part.known else (part.latin,) for part in self.parts]
        combos = itertools.islice(itertools.product(*choices), limit * 4)
        ranked = sorted(((sum(part.spellings.index(w) if w in part.spellings else 0
                              for part, w in zip(self.parts, combo)), i, " ".join(combo))
                         for i, combo in enumerate(combos)))
        return tuple(dict.fromkeys(text for _, _, text in ranked))[:limit]


def _letter_by_letter(word: str) -> str:
    word = _MARKS.sub("", unicodedata.normalize("NFKC", word))
    out = []
    for i, ch in enumerate(word):
        if ch == "ة" and i == len(word) - 1:
            out.append("ah")
        else:
            out.append(ICAO_9303.get(ch, "" if is_arabic_letter(ch) or not ch.isalpha() else ch))
    latin = "".join(out)
    return latin[:1].upper() + latin[1:]


def _fallback(word: str) -> Part:
    key = arabic_key(word)
    if key.startswith(_ARTICLE) and len(key) > 3:
        return Part(word, "Al-" + _letter_by_letter(word[2:]), (), False)
    return Part(word, _letter_by_letter(word), (), False)


def _entry_part(word: str, entry: Entry) -> Part:
    return Part(word, entry.latin, entry.spellings, True)


def _glued(first: str, second: str) -> str:
    return first + second[:1].lower() + second[1:] if second else first


def _with_article(word: str, stem: Part, *, whole: bool = False) -> Part:
    """الحسن → Al-Hassan (Al-Hasan, El-Hassan, Alhassan, Hassan: passports write all of them).
    `whole`: the spellings are of the word with its article (Wikidata's), which some keep
    (Alhassan) and some leave off (Khatib)."""
    stem_key = arabic_key(word)[2:]

    def without_article(spelling: str) -> str:
        spelling = spelling.removeprefix("Al-").removeprefix("El-")
        if whole and _keeps_article(spelling, stem_key):  # Alhassan, Elalamy
            spelling = spelling[2:3].upper() + spelling[3:]
        return spelling

    bare = list(dict.fromkeys(without_article(s) for s in stem.spellings)) or [stem.latin]
    latin = stem.latin if whole and _keeps_article(stem.latin, stem_key) else "Al-" + bare[0]
    spellings = ([latin] + [f"Al-{s}" for s in bare[:4]] + [f"El-{s}" for s in bare[:2]]
                 + [f"Al{s.lower()}" for s in bare[:2]] + bare[:3])
    return Part(word, latin, _dedupe(spellings), stem.known)


def _keeps_article(latin: str, stem_key: str) -> bool:
    """Whether a spelling of a word with the article writes it (Alhassan) or not (Alami is
    ʿAlami: its `al` is the name's own)."""
    from portal.matching.names import skeleton  # names uses this module: imported when needed

    folded = ascii_fold(latin).replace(" ", "")
    if not folded.startswith(("al", "el")):
        return False
    return skeleton(folded[2:]) == skeleton(stem_key)


def _merged(first: Part, second: Part | None) -> Part:
    if second is None:
        return first
    return Part(first.text, first.latin, _dedupe(first.spellings + second.spellings), first.known)


def _known_word(word: str, key: str, context: str, *, compounds: bool = True) -> Part | None:
    """A word the lists know, or one made of known words by the rules; None otherwise. The
    conventions come first, then a known stem after the article, then Wikidata's word."""
    lists = dictionary()
    if entry := lists.find(key, context, sources=("conventions",)):
        return _entry_part(word, entry)
    article = key.startswith(_ARTICLE) and len(key) > 3
    whole = lists.find(key, context, sources=("wikidata",))
    whole_part = None
    if whole is not None:
        whole_part = (_with_article(word, _entry_part(word, whole), whole=True) if article
                      else _entry_part(word, whole))
    if article:
        stem_entry = lists.find(key[2:], context, sources=("conventions",))
        if stem_entry is not None:
            return _merged(_with_article(word, _entry_part(word[2:], stem_entry)), whole_part)
        stem = _known_word(word[2:], key[2:], context, compounds=compounds)
        stem_part = _with_article(word, stem) if stem is not None else None
        if whole_part is not None:
            return _merged(whole_part, stem_part)
        return stem_part
    if whole_part is not None:
        return whole_part
    return _compound(word, key, context) if compounds else None


def _compound(word: str, key: str, context: str) -> Part | None:
    persian = context == PERSIAN
    if key.startswith(_ABD) and len(key) > 4:  # عبدالرحمن, عبدالله
        rest = key[3:]
        stem_key = rest[2:] if rest.startswith(_ARTICLE) and len(rest) > 3 else rest
        stem = _known_word(stem_key, stem_key, context, compounds=False)
        if stem is not None:
            spellings = ([_glued(p, s) for s in stem.spellings[:3] for p in ("Abdul", "Abdel", "Abdal")]
                         + [f"Abdul {s}" for s in stem.spellings[:2]] + [f"Abd Al-{stem.latin}"])
            return Part(word, _glued("Abdul", stem.latin), _dedupe(spellings), True)
    if key.startswith(_ABU) and len(key) > 4:  # ابوبكر
        stem = _known_word(key[3:], key[3:], context, compounds=False)
        if stem is not None:
            spellings = [_glued(p, s) for s in stem.spellings[:3] for p in ("Abu", "Abou")] + [
                f"Abu {s}" for s in stem.spellings[:2]]
            return Part(word, _glued("Abu", stem.latin), _dedupe(spellings), True)
    for suffix, forms in ((_ALLAH, ("ullah", "allah", "ollah") if persian else ("allah", "ullah", "ollah")),
                          (_DIN, ("uddin", "eddin", "addin") if persian else ("eddin", "uddin", "aldin", "eddine"))):
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            stem = _known_word(key[:-len(suffix)], key[:-len(suffix)], context, compounds=False)
            if stem is not None:
                spellings = [s + f for s in stem.spellings[:3] for f in forms]
                return Part(word, stem.latin + forms[0], _dedupe(spellings), True)
    if key.endswith(_ZADEH) and len(key) > 5:
        stem = _known_word(key[:-4], key[:-4], context, compounds=False)
        if stem is not None:
            spellings = [s + f for s in stem.spellings[:3] for f in ("zadeh", "zada")]
            return Part(word, stem.latin + "zadeh", _dedupe(spellings), True)
    if key.endswith(_NISBA) and len(key) >= 4:  # حسيني → Husseini
        stem = _known_word(key[:-1], key[:-1], context, compounds=False)
        if stem is not None:
            spellings = [s if s.endswith(("i", "y")) else s + "i" for s in stem.spellings[:4]]
            return Part(word, spellings[0], _dedupe(spellings), True)
    return None


def _word(word: str, context: str) -> Part:
    ezafe = context == PERSIAN and word.endswith(_EZAFE_MARKS) and len(word) > 2
    bare = word[:-1] if word.endswith("\u0654") else word
    part = _known_word(bare, arabic_key(bare), context) or _fallback(bare)
    if ezafe:
        # The ezafe joins this word to the next (Mir-e Ali): written out, it is a vowel of its own.
        suffix = "-ye" if part.latin.endswith(("a", "e", "i", "o", "u", "h")) else "-e"
        return Part(word, part.latin + suffix, tuple(s + suffix for s in part.spellings), part.known)
    return part


def _together(words: list[str], keys: list[str], i: int, context: str) -> tuple[Part, int] | None:
    """Words read as one name: a place or name of several words in the lists (دير الزور), or
    `عبد`/`أبو` with the next word and a word with a separate `الله`/`الدين`."""
    lists = dictionary()
    for size in range(min(lists.longest, len(words) - i), 1, -1):
        key = " ".join(keys[i:i + size])
        if entry := lists.find(key, context):
            return _entry_part(" ".join(words[i:i + size]), entry), size
    if i + 1 < len(words):
        first, second = keys[i], keys[i + 1]
        text = f"{words[i]} {words[i + 1]}"
        if first in (_ABD, _ABU) or second in (_ALLAH, _DIN):
            glued = _known_word(text, first + second, context)
            if glued is not None:
                prefix = "Abdul" if first == _ABD else "Abu" if first == _ABU else ""
                rest = glued.latin[len(prefix):] if prefix and glued.latin.startswith(prefix) else ""
                if rest and second != _ALLAH:  # written apart, passports mostly keep it apart
                    apart = f"{prefix} {rest[:1].upper()}{rest[1:]}"
                    return Part(text, apart, _dedupe((apart, *glued.spellings)), True), 2
                return Part(text, glued.latin, glued.spellings, True), 2
    return None


@lru_cache(maxsize=65536)
def romanise(text: str) -> Romanisation:
    """The Latin form of a name (or place) in Arabic script, word by word; other words kept."""
    words = (text or "").split()
    context = context_of(text)
    keys = [arabic_key(word) for word in words]
    parts: list[Part] = []
    i = 0
    while i < len(words):
        if not has_arabic_script(words[i]):
            parts.append(Part(words[i], words[i], (words[i],), True))
            i += 1
            continue
        together = _together(words, keys, i, context)
        if together is not None:
            part, used = together
            parts.append(part)
            i += used
            continue
        if keys[i]:
            parts.append(_word(words[i], context))
        i += 1
    return Romanisation(text or "", tuple(parts))


@lru_cache(maxsize=65536)
def spelling_ids(latin_word: str) -> frozenset[str]:
    """The names (dictionary keys, the article left off) a Latin spelling is a usual spelling
    of: `mohamed` → {محمد}, `husayn` → {حسين}."""
    return dictionary().ids.get(ascii_fold(latin_word).replace(" ", ""), frozenset())


__all__ = ["FALLBACK_MARK", "ICAO_9303", "Part", "Romanisation", "arabic_key", "ascii_fold", "context_of",
           "dictionary", "has_arabic_script", "romanise", "spelling_ids"]
