"""The district's postcodes and which site serves them.

The office serves the Lahn-Dill district: the south is served in Wetzlar, the north in
Dillenburg. An address change is only for moves within these postcodes.
"""
from __future__ import annotations

WETZLAR = "WZ"
DILLENBURG = "DIL"

SITE_BY_POSTCODE = {
    # Wetzlar and the south of the district
    "35576": WETZLAR, "35578": WETZLAR, "35579": WETZLAR, "35580": WETZLAR, "35581": WETZLAR,
    "35582": WETZLAR, "35583": WETZLAR, "35584": WETZLAR, "35585": WETZLAR, "35586": WETZLAR,
    "35606": WETZLAR, "35614": WETZLAR, "35615": WETZLAR, "35619": WETZLAR, "35625": WETZLAR,
    "35630": WETZLAR, "35633": WETZLAR, "35638": WETZLAR, "35641": WETZLAR, "35644": WETZLAR,
    "35647": WETZLAR,
    # Dillenburg and the north
    "35683": DILLENBURG, "35684": DILLENBURG, "35685": DILLENBURG, "35686": DILLENBURG,
    "35687": DILLENBURG, "35688": DILLENBURG, "35689": DILLENBURG, "35690": DILLENBURG,
    "35708": DILLENBURG, "35713": DILLENBURG, "35716": DILLENBURG, "35719": DILLENBURG,
    "35745": DILLENBURG, "35753": DILLENBURG, "35756": DILLENBURG, "35759": DILLENBURG,
    "35764": DILLENBURG, "35767": DILLENBURG, "35768": DILLENBURG,
}


def site_for_postcode(postcode: str) -> str | None:
    return SITE_BY_POSTCODE.get(postcode.strip())


def in_district(postcode: str) -> bool:
    return postcode.strip() in SITE_BY_POSTCODE
