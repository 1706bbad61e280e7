"""The parser's policy: the standard library's policy.default, repaired where real mail programs
break the rules and the strict reading would cost the whole message.

- An unquoted boundary with "=" in it (`boundary=----=_NextPart_000_0012_01D9…`, as Outlook
  Express and JavaMail write it). RFC 2045 wants such a value quoted; policy.default stops at
  the "=", looks for the boundary "----", finds no parts, and the message would be unreadable.
  Mail programs (and the stdlib's older compat32 parser) read up to the next ";" or space: so
  does this policy, by quoting the value before the header is parsed.
"""
from __future__ import annotations

import re
from email import headerregistry, policy

# boundary=<unquoted value>: everything up to whitespace, ";" or a quote.
_UNQUOTED_BOUNDARY = re.compile(r"""(;\s*boundary\s*=\s*)([^\s";]+)""", re.IGNORECASE)


def quoted_boundary(value: str) -> str:
    """The Content-Type value with an unquoted boundary quoted (a quoted one is left alone)."""
    return _UNQUOTED_BOUNDARY.sub(lambda m: f'{m.group(1)}"{m.group(2)}"', value)


class _ContentTypeHeader(headerregistry.ContentTypeHeader):
    @classmethod
    def parse(cls, value, kwds):
        super().parse(quoted_boundary(value), kwds)


def _registry() -> headerregistry.HeaderRegistry:
    registry = headerregistry.HeaderRegistry()
    registry.map_to_type("content-type", _ContentTypeHeader)
    return registry


POLICY = policy.default.clone(header_factory=_registry())
