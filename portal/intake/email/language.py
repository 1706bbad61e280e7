"""The language of a message, among the portal's languages, for the acknowledgement.

py3langid (a maintained fork of langid.py, its model shipped in the package) restricted to
de, en, uk, ru, ar, tr, fa. Short or unclear text gets German, the office's language: a
"Hallo" or a bare attachment says nothing about the sender's language.
"""
from __future__ import annotations

import re
from functools import lru_cache

from portal.config import DEFAULT_LANGUAGE, LANGUAGES

MIN_LETTERS = 20
MIN_CONFIDENCE = 0.5
_QUOTED = re.compile(r"^\s*>.*$", re.MULTILINE)
_URL = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """One of LANGUAGES; German when the text is too short or the model is unsure."""
    text = _URL.sub(" ", _QUOTED.sub("", text or ""))[:5000]
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return DEFAULT_LANGUAGE
    language, confidence = _identifier().classify(text)
    if language not in LANGUAGES or confidence < MIN_CONFIDENCE:
        return DEFAULT_LANGUAGE
    return language
