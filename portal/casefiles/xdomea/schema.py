"""Reading and checking xdomea XML: a parser that resolves no entities, loads no DTD and
fetches nothing, and the official schemas (copied into schemas/, loaded from their folder so that
their relative includes resolve)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

NS = "urn:xoev-de:xdomea:schema:3.0.0"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
MESSAGES = SCHEMA_DIR / "xdomea_3.0.0" / "xdomea-Nachrichten-AbgabeDurchfuehren.xsd"
MAX_XML_BYTES = 50 * 1024 * 1024


class InvalidXml(ValueError):
    """Not well-formed, or not valid against the schema: `problems` says where and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(MESSAGES), _parser()))


def parse(data: bytes) -> etree._Element:
    """The document's root; InvalidXml when it is no well-formed XML (or declares a DTD)."""
    if len(data) > MAX_XML_BYTES:
        raise InvalidXml([f"the message is larger than {MAX_XML_BYTES // (1024 * 1024)} MB"])
    try:
        tree = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise InvalidXml([f"not well-formed XML: {error}"]) from None
    if tree.getroottree().docinfo.doctype:
        raise InvalidXml(["the message declares a DTD (not allowed in xdomea)"])
    return tree


def problems(root: etree._Element) -> list[str]:
    """What makes the message invalid against the xdomea 3.0.0 schema (empty: valid)."""
    schema = _schema()
    if schema.validate(root):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def validated(data: bytes) -> etree._Element:
    root = parse(data)
    found = problems(root)
    if found:
        raise InvalidXml(found)
    return root


def q(name: str) -> str:
    """The qualified name of an xdomea element."""
    return f"{{{NS}}}{name}"
