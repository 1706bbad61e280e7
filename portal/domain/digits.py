"""Digits as applicants type them and as pages show them.

Phones in Arabic or Persian set up type Arabic-Indic (٣٥٦٨٣) or Persian (۳۵۶۸۳) digits; the office's
registers, postcodes, references and dates need 0-9. Every numeric input goes through
`western_digits` before it is checked (form fields, booking details, reference and status codes),
so a check never sees anything but 0-9.

Pages show one digit system per language: Persian pages Persian digits (the CLDR default for fa),
every other language 0-9. Identifiers that are typed or read out to the office (references,
status codes, postcodes, phone numbers, e-mail addresses) stay in 0-9 on every page.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# Languages whose pages show their own digits, and the digits 0-9 they show.
LOCAL_DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹"}
_TO_LOCAL = {lang: str.maketrans("0123456789", digits) for lang, digits in LOCAL_DIGITS.items()}
# The Arabic decimal separator ٫ as a point; the Arabic thousands separator ٬ only groups digits.
_SEPARATORS = {"\u066b": ".", "\u066c": ""}


@lru_cache(maxsize=4096)
def _western(ch: str) -> str:
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else _SEPARATORS.get(ch, ch)


def western_digits(text: str) -> str:
    """Every decimal digit of any script as 0-9 (۳۵۶۸۳ → 35683, ٢٠٢٦ → 2026, full-width ２ → 2);
    everything else unchanged."""
    if not text or text.isascii():
        return text or ""
    return "".join(_western(ch) for ch in text)


def local_digits(text: str, language: str) -> str:
    """0-9 in the digits the language's pages show (Persian for fa); unchanged otherwise."""
    table = _TO_LOCAL.get(language)
    return text.translate(table) if table and text else text
