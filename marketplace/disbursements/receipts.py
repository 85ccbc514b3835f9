"""Checking and cleaning uploaded receipts (no Flask, no database).

Only PDF, JPEG and PNG are accepted, decided by the file's content (magic bytes), never by its
name or the browser's content type: an HTML page renamed ``.jpg`` or an SVG (text, and able to
carry script) is refused. Images are decoded and re-encoded from their pixels alone, which drops
EXIF (GPS position, camera, time) and any other metadata or trailing bytes. The SHA-256 is taken
of the bytes that are stored.

An image's size in pixels is read from its header (``Image.open`` decodes no pixels) and checked
before anything is decoded, so a small file that would unpack to hundreds of megabytes (a
decompression bomb) is refused at the cost of its header. Pillow's own bomb guard is made to raise
rather than warn while a receipt is read.

A PDF is parsed (pypdf resolves ``#xx`` escapes in names and objects packed in compressed object
streams, which a byte search misses) and refused when any object carries JavaScript, automatic
or launch actions, embedded files or rich media; one that does not parse is refused too. PDFs are
stored as sent otherwise.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

import filetype
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
#: the default pixel limit: a receipt photographed or scanned at 300 dpi on A3 is ~17.4 Mpx
MAX_PIXELS = 25_000_000

#: names that make a PDF run something: keys (``/JS``, ``/OpenAction``, ``/AA``: additional
#: actions on pages, fields and the document) or values (``/S /JavaScript``, ``/S /Launch``,
#: ``/Type /EmbeddedFile``, ``/Subtype /RichMedia``). Links (``/URI``) and ``/GoTo`` are allowed.
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
    }
)
#: the long ones are also looked for in the raw bytes (with ``#xx`` escapes undone), which finds
#: objects that no cross-reference table lists; short names like ``/JS`` would match by chance
#: inside compressed binary streams, so only the parser looks for them
_RAW_NAMES = frozenset(n for n in PDF_ACTIVE_NAMES if len(n) >= 7)
_NAME_TOKEN = re.compile(rb"/(?:[A-Za-z0-9_.+\-]|#[0-9A-Fa-f]{2})+")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: a PDF with more objects than this is not a receipt: a scanned or electronic invoice has tens
#: to a few hundred; reading each costs 0.1-0.3 ms, so this bounds the check near one second
MAX_PDF_OBJECTS = 5_000
_EOLS = (b" \r", b" \n", b"\r\n")


class ReceiptRejected(ValueError):
    """The upload is not an acceptable receipt; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanReceipt:
    data: bytes
    content_type: str
    extension: str
    sha256: str


def clean(data: bytes, max_bytes: int, max_pixels: int = MAX_PIXELS) -> CleanReceipt:
    """Check ``data`` and return what may be stored.

    Raises:
        ReceiptRejected: empty, too large, not a PDF/JPEG/PNG by content, an image with more
            than ``max_pixels`` pixels or that does not decode, a PDF that does not parse or
            carries active content.
    """
    if not data:
        raise ReceiptRejected("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise ReceiptRejected("too_large", f"The file is larger than {max_bytes} bytes.")
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime not in ALLOWED:
        raise ReceiptRejected("file_type", "Only PDF, JPEG and PNG files are accepted.")
    if mime == "application/pdf":
        if not data.startswith(b"%PDF-"):
            raise ReceiptRejected("file_type", "Only PDF, JPEG and PNG files are accepted.")
        check_pdf(data)
        stored = data
    else:
        stored = _reencode(data, "JPEG" if mime == "image/jpeg" else "PNG", max_pixels)
    return CleanReceipt(stored, mime, ALLOWED[mime], hashlib.sha256(stored).hexdigest())


def _reencode(data: bytes, fmt: str, max_pixels: int) -> bytes:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; here it refuses
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                # the header alone: nothing is decoded before this check
                if image.width * image.height > max_pixels:
                    raise ReceiptRejected("too_many_pixels", "The image has too many pixels.")
                image.load()
                upright = ImageOps.exif_transpose(image)  # what the photo shows, right way up
    except ReceiptRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ReceiptRejected("too_many_pixels", "The image has too many pixels.") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ReceiptRejected("unreadable", "The image could not be read.") from exc
    mode = "RGB" if fmt == "JPEG" else ("RGBA" if "A" in upright.getbands() else "RGB")
    pixels = upright.convert(mode)
    del upright
    # a new image from the pixels alone: no EXIF, ICC, XMP, comments or text chunks come along
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())
    del pixels
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, "JPEG", quality=90)
    else:
        bare.save(out, "PNG", optimize=True)
    return out.getvalue()


# ---- PDF --------------------------------------------------------------------------------------


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that does not parse, is password-protected or carries active content.

    Every object the file's cross-reference data lists (object streams included) is read with
    pypdf and walked, keys and name values alike; the raw bytes are also searched for the long
    names, with ``#xx`` escapes undone.

    Raises:
        ReceiptRejected: ``pdf_unreadable``, ``pdf_encrypted``, ``pdf_too_complex`` or
            ``pdf_active_content``.
    """
    if _object_count(data) > MAX_PDF_OBJECTS:
        # counted in the bytes first: pypdf reads every cross-reference row before anything else
        raise ReceiptRejected("pdf_too_complex", "The PDF has too many objects.")
    if _RAW_NAMES & _raw_names(data):
        raise ReceiptRejected("pdf_active_content", "The PDF carries active content.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lenient with the small faults of real scanners
            found = _active_names(data)
    except ReceiptRejected:
        raise
    except Exception as exc:  # any parser failure means: not a readable PDF
        raise ReceiptRejected("pdf_unreadable", "The PDF could not be read.") from exc
    if found:
        raise ReceiptRejected("pdf_active_content", "The PDF carries active content.")


def _object_count(data: bytes) -> int:
    """The objects written out (``endobj``) or listed in classic cross-reference rows (each ends
    in `` n`` or `` f`` and a two-byte end of line), whichever is more; ``bytes.count`` is
    linear and fast, where a regular expression over a long run of digits is not."""
    rows = sum(data.count(b" " + kind + eol) for kind in (b"n", b"f") for eol in _EOLS)
    return max(data.count(b"endobj"), rows)


def _raw_names(data: bytes) -> set[str]:
    names = set()
    for token in _NAME_TOKEN.findall(data):
        if b"#" in token:
            token = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token)
        names.add(token.decode("latin-1"))
    return names


def _active_names(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        # an empty user password opens most "protected" PDFs; anything else cannot be checked
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # an unsupported scheme: cannot be checked
            raise ReceiptRejected("pdf_encrypted", "The PDF is password-protected.") from exc
        if not opened:
            raise ReceiptRejected("pdf_encrypted", "The PDF is password-protected.")
    ids: set[tuple[int, int]] = set()
    for generation, entries in reader.xref.items():
        ids.update((number, generation) for number in entries)
    ids.update((number, 0) for number in reader.xref_objStm)
    if len(ids) > MAX_PDF_OBJECTS:
        raise ReceiptRejected("pdf_too_complex", "The PDF has too many objects.")
    found: set[str] = set()
    roots: list[Any] = [reader.trailer]
    for number, generation in sorted(ids):
        roots.append(reader.get_object(IndirectObject(number, generation, reader)))
    for root in roots:
        found |= _names_in(root)
    return found & PDF_ACTIVE_NAMES


def _names_in(obj: Any) -> set[str]:
    """The names used as keys or values in ``obj`` and its direct children (indirect references
    are not followed: every indirect object is walked on its own)."""
    names: set[str] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary
            names.update(str(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject):
            names.add(str(item))
    return names
