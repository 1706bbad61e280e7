"""Acrobat's standard form-field scripts: recognised, so that a filled form can be taken.

A form filled in Acrobat (or made with its form tools) carries, on its fields, calls of the
functions built into every Acrobat (AForm.js): number, date, time and percent formats, special
formats (postcode, phone number), range checks and simple sums. They only format and total what
was typed in. Only a field's own triggers (keystroke, format, validate, calculate) holding
nothing but such calls with literal arguments count; anything else is a script and refused.
"""
from __future__ import annotations

import re

# The built-in functions Acrobat writes into fields from its format/validate/calculate tabs.
ACROBAT_FUNCTIONS = frozenset({
    "AFNumber_Format", "AFNumber_Keystroke", "AFPercent_Format", "AFPercent_Keystroke",
    "AFDate_Format", "AFDate_Keystroke", "AFDate_FormatEx", "AFDate_KeystrokeEx",
    "AFTime_Format", "AFTime_Keystroke", "AFTime_FormatEx", "AFTime_KeystrokeEx",
    "AFSpecial_Format", "AFSpecial_Keystroke", "AFSpecial_KeystrokeEx",
    "AFRange_Validate", "AFSimple_Calculate",
})
# Field triggers (ISO 32000-1, 12.6.3, table 196): keystroke, format, validate, calculate.
FIELD_TRIGGERS = frozenset({"/K", "/F", "/V", "/C"})
MAX_SCRIPT_LENGTH = 10_000  # a sum over a few hundred fields; real ones are far shorter

# String literals first (their content is data, whatever it says), then what is left must be
# calls of the functions above with numbers, booleans, strings or arrays of strings.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'", re.DOTALL)
_ARG = r'(?:""|-?\d+(?:\.\d+)?|-?\.\d+|true|false|new\s+Array\s*\(\s*(?:""(?:\s*,\s*"")*)?\s*\))'
_CALL = re.compile(rf'\s*(?P<name>[A-Za-z_]+)\s*\(\s*(?:{_ARG}(?:\s*,\s*{_ARG})*)?\s*\)\s*;?\s*')


def is_acrobat_form_script(code: str) -> bool:
    """True when `code` is nothing but calls of Acrobat's built-in form functions."""
    if not code.strip() or len(code) > MAX_SCRIPT_LENGTH:
        return False
    rest = _STRING.sub('""', code)
    position = 0
    while position < len(rest):
        call = _CALL.match(rest, position)
        if call is None or call.end() == position or call.group("name") not in ACROBAT_FUNCTIONS:
            return False
        position = call.end()
    return True
