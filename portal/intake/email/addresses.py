"""The sender's address: read from the address part of the From field only, and compared with
an applicant's address in one normal form.

Reading. The structure of the field is parsed before anything is decoded: an RFC 2047 word
is display name, whatever it decodes to. A display name that decodes to
`"Eve\\r\\nBcc: victim@example.org"` or to `Eve <victim@example.org>` stays a name; the stdlib
would otherwise, on its fallback path, decode first and then find the victim's address in the
text. As a second guard the address must stand in the field as sent (undecoded). A field the
parser reads with defects is read once more from the undecoded text and must then give
exactly one address; anything ambiguous gives no address (no acknowledgement).

Comparing. Surrounding whitespace and case do not count, nor the spelling of the domain
(Unicode or its IDNA "xn--" form). Plus-addressing (`name+tag@host`) is *not* folded: whether
`+tag` reaches the same mailbox is the receiving server's choice (some fold it, many do not,
some use "-"), so `alice+x@host` may be another person's mailbox. Folding it would let that
person join Alice's submission; not folding it costs Alice at most a new submission that the
caseworker adds to hers with one click. Dots in Gmail local parts are not folded, for the
same reason.
"""
from __future__ import annotations

import email.utils
import re
import unicodedata

from portal.intake.email.headers import decode_words
from portal.intake.email.mime_policy import POLICY

MAX_ADDRESS = 254
MAX_NAME = 200
# One "@", no whitespace or characters that delimit addresses: what an acknowledgement may go to.
_PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\],;:\\\"@]+@[^\s<>()\[\],;:\\\"@]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def sender(raw_from: str) -> tuple[str, str]:
    """(display name, address in lower case) of a From field given undecoded (8-bit bytes
    already decoded, RFC 2047 words not); ("", "") when no single address can be read."""
    text = "".join((raw_from or "").splitlines())
    name, address = _by_policy(text) or _by_hand(text) or ("", "")
    address = address.strip()
    if (not _PLAIN_ADDRESS.fullmatch(address) or len(address) > MAX_ADDRESS
            or address.lower() not in text.lower()):
        return _clean_name(name), ""
    return _clean_name(name), address.lower()


def _by_policy(text: str) -> tuple[str, str] | None:
    try:
        field = POLICY.header_factory("from", text)
        addresses = field.addresses
    except Exception:  # a display name with a line break in it, a broken group: read by hand
        return None
    if field.defects or not addresses:
        return None
    return addresses[0].display_name or "", addresses[0].addr_spec or ""


def _by_hand(text: str) -> tuple[str, str] | None:
    """getaddresses() on the undecoded text: encoded words are plain atoms to it."""
    try:
        pairs = [(name, address) for name, address in email.utils.getaddresses([text]) if address]
    except Exception:
        return None
    if len(pairs) != 1:
        return None
    name, address = pairs[0]
    return decode_words(name), address


def _clean_name(name: str) -> str:
    return " ".join(_CONTROL.sub(" ", name or "").split())[:MAX_NAME]


def normalised(address: str) -> str:
    """The form in which two spellings of one address are equal (see the module's docstring)."""
    address = unicodedata.normalize("NFC", (address or "").strip())
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return address.lower()
    return f"{local.lower()}@{_ascii_domain(domain)}"


def _ascii_domain(domain: str) -> str:
    domain = domain.strip().rstrip(".").lower()
    try:
        import idna

        return idna.encode(domain, uts46=True).decode("ascii").lower()
    except Exception:  # not a valid IDN (or already ASCII that idna dislikes): compare as written
        try:
            return domain.encode("idna").decode("ascii").lower()
        except Exception:
            return domain


def same_address(one: str, other: str) -> bool:
    """True when both are the same, non-empty address in the normal form."""
    a, b = normalised(one), normalised(other)
    return bool(a) and "@" in a and a == b
