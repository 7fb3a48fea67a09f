"""XMP packets as documents mmdesk can merge into without losing other tools' fields.

:class:`XmpDoc` reads and replaces properties of a packet's ``rdf:Description`` elements by
namespace and name, whatever prefixes the file uses, and writes the packet back indented and
in an ``xpacket`` wrapper; everything it was not asked to change stays as it was.
"""

from __future__ import annotations

from xml.dom import Node, minidom
from xml.parsers.expat import ExpatError

from mmdesk.core.sidecars.dom import (
    CONTAINERS,
    EMPTY,
    PACKET_BEGIN,
    PACKET_END,
    PREFIXES,
    RDF,
    XML,
    XMLNS,
    XmpError,
    elements,
    is_,
    packet_body,
    parent,
    text_of,
    xml_text,
)

__all__ = ["XmpDoc", "XmpError"]


class XmpDoc:
    """One XMP packet: its ``rdf:Description`` properties, read and replaced by name."""

    def __init__(self, dom: minidom.Document) -> None:
        self.dom = dom
        found = dom.getElementsByTagNameNS(RDF, "RDF")
        if not found:
            raise XmpError("an XMP packet without rdf:RDF")
        self.rdf: minidom.Element = found[0]

    @classmethod
    def parse(cls, data: bytes) -> XmpDoc:
        """A document from a sidecar's bytes or a packet cut out of an image file."""
        try:
            return cls(minidom.parseString(packet_body(data)))
        except (ExpatError, ValueError) as exc:
            raise XmpError(f"not valid XMP ({exc})") from exc

    @classmethod
    def new(cls) -> XmpDoc:
        return cls(minidom.parseString(EMPTY))

    def to_bytes(self) -> bytes:
        """The packet as a sidecar file holds it: UTF-8, indented, in an ``xpacket`` wrapper."""
        root = self.dom.documentElement
        assert root is not None  # parsed documents always have one
        _normalise(root)
        return (PACKET_BEGIN + root.toprettyxml(indent=" ").rstrip() + PACKET_END).encode()

    def descriptions(self) -> list[minidom.Element]:
        return [e for e in elements(self.rdf) if is_(e, RDF, "Description")]

    def find(self, ns: str, name: str) -> list[minidom.Element]:
        """Every element of property ``ns:name`` (normally one)."""
        return [e for d in self.descriptions() for e in elements(d) if is_(e, ns, name)]

    def array(self, ns: str, name: str) -> list[str]:
        """The items of an array property (Bag, Seq or Alt); a plain text value as one item."""
        values: list[str] = []
        for prop in self.find(ns, name):
            boxes = [
                c for c in elements(prop) if c.namespaceURI == RDF and c.localName in CONTAINERS
            ]
            items = [text_of(li) for box in boxes for li in elements(box) if is_(li, RDF, "li")]
            values += items if boxes else [text_of(prop)]
        return [v.strip() for v in values if v.strip()]

    def set_array(self, ns: str, name: str, values: list[str], kind: str = "Bag") -> None:
        """Replace property ``ns:name`` by an array of ``values``; no values removes it."""
        prop = None
        if values:
            scope = self.target(ns, name)
            prop = self.element(ns, name, scope)
            box = prop.appendChild(self.element(RDF, kind, scope))
            for value in values:
                box.appendChild(self.element(RDF, "li", scope, value))
        self.replace(ns, name, prop)

    def alt_default(self, ns: str, name: str) -> str | None:
        """The ``x-default`` entry of a language alternative (``dc:description``)."""
        for li in self._alt_items(ns, name):
            if li.getAttributeNS(XML, "lang") == "x-default":
                return text_of(li)
        return None

    def set_alt_default(self, ns: str, name: str, text: str) -> None:
        """Set the ``x-default`` entry, keeping the other languages' entries; one that held
        the old default's text was its language and follows it (the XMP Toolkit's rule)."""
        old = self.alt_default(ns, name)
        others = [
            li
            for li in self._alt_items(ns, name)
            if li.getAttributeNS(XML, "lang") not in ("", "x-default")
        ]
        for li in others:
            if old is not None and text_of(li) == old:
                for child in list(li.childNodes):
                    li.removeChild(child)
                li.appendChild(self.dom.createTextNode(xml_text(text)))
        scope = self.target(ns, name)
        prop = self.element(ns, name, scope)
        box = prop.appendChild(self.element(RDF, "Alt", scope))
        first = box.appendChild(self.element(RDF, "li", scope, text))
        first.setAttributeNS(XML, "xml:lang", "x-default")
        for li in others:
            box.appendChild(li)  # moved out of the old property, which goes
        self.replace(ns, name, prop)

    def _alt_items(self, ns: str, name: str) -> list[minidom.Element]:
        return [
            li
            for prop in self.find(ns, name)
            for box in elements(prop)
            if is_(box, RDF, "Alt")
            for li in elements(box)
            if is_(li, RDF, "li")
        ]

    def target(self, ns: str, name: str) -> minidom.Element:
        """The description that holds (or will hold) property ``ns:name``."""
        old = self.find(ns, name)
        return parent(old[0]) if old else self._first_description()

    def replace(self, ns: str, name: str, new: minidom.Element | None) -> None:
        """Put ``new`` where property ``ns:name`` was (in :meth:`target`), dropping the old."""
        old = self.find(ns, name)
        if new is not None:
            if old:
                parent(old[0]).insertBefore(new, old[0])
            else:
                self._first_description().appendChild(new)
        for element in old:
            parent(element).removeChild(element)

    def element(
        self, ns: str, name: str, scope: minidom.Element, text: str | None = None
    ) -> minidom.Element:
        """A new element ``ns:name`` for ``scope``, under the prefix in force there."""
        node = self.dom.createElementNS(ns, f"{self.prefix(ns, scope)}:{name}")
        if text is not None:
            node.appendChild(self.dom.createTextNode(xml_text(text)))
        return node

    def prefix(self, ns: str, scope: minidom.Element) -> str:
        """The prefix declared for ``ns`` on ``scope`` or above it; declared there if none."""
        declared: dict[str, str] = {}
        node: Node | None = scope
        while isinstance(node, minidom.Element):
            for attr in node.attributes.values():
                if attr.namespaceURI == XMLNS and attr.prefix == "xmlns":
                    declared.setdefault(attr.localName, attr.value)
            node = node.parentNode
        for prefix, uri in declared.items():
            if uri == ns:
                return prefix
        base = PREFIXES.get(ns, "ns")
        prefix, n = base, 1
        while prefix in declared:
            prefix, n = f"{base}{n}", n + 1
        scope.setAttributeNS(XMLNS, f"xmlns:{prefix}", ns)
        return prefix

    def _first_description(self) -> minidom.Element:
        found = self.descriptions()
        if found:
            return found[0]
        rdf = self.rdf.prefix or "rdf"
        desc = self.dom.createElementNS(RDF, f"{rdf}:Description")
        desc.setAttributeNS(RDF, f"{rdf}:about", "")
        return self.rdf.appendChild(desc)


def _normalise(node: minidom.Element) -> None:
    """Drop indentation between elements (the output is indented afresh) and put namespace
    declarations first, as a parsed file has them, so writing twice gives the same bytes."""
    attrs = list(node.attributes.values())
    for attr in sorted(attrs, key=lambda a: a.namespaceURI != XMLNS):
        node.removeAttributeNode(attr)
        node.setAttributeNode(attr)
    if node.getAttributeNS(RDF, "parseType") == "Literal":
        return
    children = list(node.childNodes)
    if any(isinstance(c, minidom.Element) for c in children):
        for child in children:
            if isinstance(child, minidom.Text) and not child.data.strip():
                node.removeChild(child)
    for child in elements(node):
        _normalise(child)
