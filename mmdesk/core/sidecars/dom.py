"""The XML layer under XMP: namespaces, packets, and small DOM helpers.

A packet is parsed with the standard library's namespace-aware DOM, which keeps every element,
attribute and prefix mmdesk does not know (``xmp:Rating``, ``darktable:history`` ...), so
writing our fields back changes only those fields. DTDs are refused (XMP forbids them and they
are the way XML bombs come in); external entities are never fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.dom import minidom

from mmdesk.errors import MediaError

X = "adobe:ns:meta/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML = "http://www.w3.org/XML/1998/namespace"
XMLNS = "http://www.w3.org/2000/xmlns/"
DC = "http://purl.org/dc/elements/1.1/"
LR = "http://ns.adobe.com/lightroom/1.0/"
DIGIKAM = "http://www.digikam.org/ns/1.0/"
MMDESK = "http://ns.mmdesk.local/xmp/1.0/"
PREFIXES = {DC: "dc", LR: "lr", DIGIKAM: "digiKam", MMDESK: "mmdesk", RDF: "rdf"}

EMPTY = (
    f'<x:xmpmeta xmlns:x="{X}"><rdf:RDF xmlns:rdf="{RDF}">'
    '<rdf:Description rdf:about=""/></rdf:RDF></x:xmpmeta>'
)
PACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
PACKET_END = '\n<?xpacket end="w"?>\n'
CONTAINERS = ("Bag", "Seq", "Alt")


class XmpError(MediaError):
    """An XMP packet that cannot be read (not XML, not RDF, or carrying a DTD)."""


def packet_body(data: bytes) -> bytes:
    """The ``x:xmpmeta`` (or bare ``rdf:RDF``) element of a packet, without its wrapper and
    padding, so packets cut out of image files parse like sidecars."""
    start = data.find(b"<x:xmpmeta")
    bare = start < 0
    start = data.find(b"<rdf:RDF") if bare else start
    if start < 0:
        raise XmpError("no XMP packet")
    body = data[start:]
    end = body.find(b"<?xpacket end")
    body = (body if end < 0 else body[:end]).rstrip(b" \t\r\n\x00")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmpError("an XMP packet with a DTD is refused")
    return b'<x:xmpmeta xmlns:x="' + X.encode() + b'">' + body + b"</x:xmpmeta>" if bare else body


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (controls, lone surrogates)."""
    return "".join(c for c in text if _xml_char(ord(c)))


def _xml_char(code: int) -> bool:
    if code < 0x20:
        return code in (0x9, 0xA, 0xD)
    return not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))


def elements(node: minidom.Element) -> Iterator[minidom.Element]:
    """The element children of ``node``."""
    for child in node.childNodes:
        if isinstance(child, minidom.Element):
            yield child


def parent(node: minidom.Element) -> minidom.Element:
    """The element ``node`` sits in (properties always sit in a description)."""
    up = node.parentNode
    if not isinstance(up, minidom.Element):
        raise XmpError(f"{node.tagName} outside an element")
    return up


def is_(node: minidom.Element, ns: str, name: str) -> bool:
    return bool(node.namespaceURI == ns and node.localName == name)


def text_of(node: minidom.Element) -> str:
    """The character data directly inside ``node``."""
    return "".join(c.data for c in node.childNodes if isinstance(c, minidom.Text))
