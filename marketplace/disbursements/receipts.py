"""Checking and cleaning uploaded receipts (no Flask, no database).

Only PDF, JPEG and PNG are accepted, decided by the file's content (magic bytes), never by its
name or the browser's content type: an HTML page renamed ``.jpg`` or an SVG (text, and able to
carry script) is refused. Images are decoded and re-encoded from their pixels alone, which drops
EXIF (GPS position, camera, time) and any other metadata or trailing bytes. The SHA-256 is taken
of the bytes that are stored.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
from PIL import Image, ImageOps

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
#: decoding refuses images larger than this (decompression bombs)
MAX_PIXELS = 40_000_000


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


def clean(data: bytes, max_bytes: int) -> CleanReceipt:
    """Check ``data`` and return what may be stored.

    Raises:
        ReceiptRejected: empty, too large, not a PDF/JPEG/PNG by content, or an image that does
            not decode.
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
        stored = data
    else:
        stored = _reencode(data, "JPEG" if mime == "image/jpeg" else "PNG")
    return CleanReceipt(stored, mime, ALLOWED[mime], hashlib.sha256(stored).hexdigest())


def _reencode(data: bytes, fmt: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ReceiptRejected("too_large", "The image has too many pixels.")
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep what the photo shows the right way up
    except ReceiptRejected:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ReceiptRejected("unreadable", "The image could not be read.") from exc
    mode = "RGB" if fmt == "JPEG" else ("RGBA" if "A" in upright.getbands() else "RGB")
    pixels = upright.convert(mode)
    # a new image from the pixels alone: no EXIF, ICC, XMP, comments or text chunks come along
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        bare.save(out, "JPEG", quality=90)
    else:
        bare.save(out, "PNG", optimize=True)
    return out.getvalue()
