"""Hand-built PDFs for the receipt checks: benign ones, and ones carrying active content written
plainly, with ``#xx``-escaped names, or packed inside a compressed object stream."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R%s>>"
CONTENT = b"BT /F1 12 Tf 72 720 Td (Receipt 2026-001 total 3000.00) Tj ET"


def classic(
    catalog_extra: bytes = b"", page_extra: bytes = b"", pad: int = 0, filler: int = 0
) -> bytes:
    """A one-page PDF 1.4 with a classic cross-reference table; ``*_extra`` go inside the
    catalog's and the page's dictionaries; ``pad`` bytes of a benign comment make it larger;
    ``filler`` empty objects make it have more parts."""
    content = CONTENT + (b"\n%" + b"0" * pad if pad else b"")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        PAGE % page_extra,
        b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream",
    ] + [b"<<>>"] * filler
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def in_object_stream(catalog_extra: bytes = b"") -> bytes:
    """A PDF 1.5 whose catalog and pages sit inside a FlateDecode object stream, listed by a
    cross-reference stream: the catalog's bytes never appear uncompressed in the file."""
    packed = [
        (1, b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>"),
        (2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>"),
        (3, PAGE % b""),
    ]
    header = bytearray()
    body = bytearray()
    for number, obj in packed:
        header += b"%d %d " % (number, len(body))
        body += obj + b" "
    raw = bytes(header) + bytes(body)
    stream = zlib.compress(raw)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offset_4 = len(out)
    out += b"4 0 obj\n<</Length %d>>stream\n" % len(CONTENT) + CONTENT + b"\nendstream\nendobj\n"
    offset_5 = len(out)
    out += (
        b"5 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n"
        % (len(packed), len(header), len(stream))
        + stream
        + b"\nendstream\nendobj\n"
    )
    offset_6 = len(out)
    rows = [(0, 0, 65535)]  # type, field 2, field 3 (W [1 4 2])
    rows += [(2, 5, index) for index in range(len(packed))]  # objects 1-3 in stream 5
    rows += [(1, offset_4, 0), (1, offset_5, 0), (1, offset_6, 0)]
    table = b"".join(
        t.to_bytes(1, "big") + a.to_bytes(4, "big") + b.to_bytes(2, "big") for t, a, b in rows
    )
    out += (
        b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offset_6
    return bytes(out)


def made_by_pypdf(
    js: str | None = None,
    attachment: bool = False,
    link: bool = False,
    password: str | None = None,
) -> bytes:
    """A PDF written by pypdf: with document JavaScript, an attached file, a web link, or
    encrypted with a user ``password`` (``""``: opens without one)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if js:
        writer.add_open_action(JavaScript(js))
    if attachment:
        writer.add_attachment("invoice.txt", b"hello")
    if link:
        from pypdf.annotations import Link

        writer.add_annotation(0, Link(rect=(50, 50, 200, 80), url="https://example.org/"))
    if password is not None:
        writer.encrypt(password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_open_action(action: dict[str, str]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v))
            for k, v in action.items()
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
