"""Reading XML from outside safely: the prolog, where a DTD and its entities stand, read with defusedxml.

A DTD can stand only before the root element, so reading up to there finds any DTD, entity
declaration or external reference, however much padding (comments, whitespace) comes first; after
the root element has begun, a declaration is a syntax error to every parser. Nothing is built or
kept while reading. Parsers that read the whole document afterwards (openpyxl, rdflib) then meet
no entity to expand.
"""

from __future__ import annotations

from collections.abc import Iterable

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

__all__ = ["DefusedXmlException", "Prolog", "check_prolog"]


class _RootReached(Exception):
    """The first element: the prolog is read."""


class _StopAtRoot:
    """A parser target that stops at the root element and keeps nothing."""

    def start(self, tag: str, attributes: dict) -> None:
        raise _RootReached

    def close(self) -> None:
        return None


class Prolog:
    """Feed an XML document chunk by chunk; raises DefusedXmlException for a DTD (when `forbid_dtd`),
    an entity declaration or an external reference, and `xml.etree.ElementTree.ParseError` for XML
    that is broken before its root. `done` tells that the root element was reached."""

    def __init__(self, forbid_dtd: bool = True) -> None:
        self.parser: DefusedXMLParser | None = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=forbid_dtd)

    @property
    def done(self) -> bool:
        return self.parser is None

    def feed(self, chunk: bytes) -> None:
        if self.parser is None:
            return
        try:
            self.parser.feed(chunk)
        except _RootReached:
            self.parser = None


def check_prolog(data: bytes | Iterable[bytes], forbid_dtd: bool = True, chunk: int = 64 * 1024) -> None:
    """Read the prolog of the XML document `data` (bytes, or chunks of it); see `Prolog`."""
    prolog = Prolog(forbid_dtd)
    chunks = (data[i:i + chunk] for i in range(0, len(data), chunk)) if isinstance(data, bytes) else data
    for piece in chunks:
        prolog.feed(piece)
        if prolog.done:
            return
