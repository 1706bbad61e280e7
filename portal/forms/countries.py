"""Nationalities as a country list: ISO 3166 alpha-3 codes (as in passports and the
office's register), names in the applicant's language from Babel's CLDR data."""
from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale
from flask_babel import lazy_gettext as _l

# Codes that pycountry does not list but passports and registers use (ICAO 9303).
_EXTRA = {"XKX": "XK"}  # Kosovo
STATELESS = "XXA"
UNKNOWN = "XXX"
_SPECIAL = {STATELESS: _l("Stateless"), UNKNOWN: _l("Nationality unclear")}
SPECIAL = frozenset(_SPECIAL)


@lru_cache(maxsize=1)
def _alpha2_by_alpha3() -> dict[str, str]:
    mapping = {c.alpha_3: c.alpha_2 for c in pycountry.countries}
    mapping.update(_EXTRA)
    return mapping


def is_known(code: str) -> bool:
    return code in _alpha2_by_alpha3() or code in _SPECIAL


def country_name(code: str, language: str) -> str:
    if code in _SPECIAL:
        from flask_babel import force_locale

        with force_locale(language):  # in the language asked for, not the page's (the back office's German)
            return str(_SPECIAL[code])
    alpha2 = _alpha2_by_alpha3().get(code)
    if alpha2 is None:
        return code
    return Locale.parse(language).territories.get(alpha2) or pycountry.countries.get(alpha_2=alpha2).name


def country_choices(language: str, *, nationality: bool = True) -> list[tuple[str, str]]:
    """(alpha-3, name) sorted by name in the language; for a nationality, stateless and unclear at
    the end."""
    territories = Locale.parse(language).territories
    names = [(code, territories.get(alpha2, code)) for code, alpha2 in _alpha2_by_alpha3().items()]
    names.sort(key=lambda item: item[1].casefold())
    if not nationality:
        return names
    return names + [(code, str(label)) for code, label in _SPECIAL.items()]
