"""Receipt checks by content: type by magic bytes, size, metadata stripped."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, PngImagePlugin

from marketplace.disbursements.receipts import ReceiptRejected, clean

LIMIT = 1024 * 1024


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "王秀英 13912345678")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_png_text_chunks_are_dropped_and_pixels_kept() -> None:
    result = clean(_png_with_text(), LIMIT)
    assert result.content_type == "image/png" and result.extension == "png"
    assert b"13912345678" not in result.data
    image = Image.open(io.BytesIO(result.data))
    assert image.size == (20, 10) and image.getpixel((0, 0)) == (0, 0, 255, 128)
    assert not image.info.get("Comment")
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html><body>hi</body></html>", "file_type"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "file_type"),
        (b"GIF89a" + b"\0" * 20, "file_type"),
        (b"PK\x03\x04" + b"\0" * 40, "file_type"),  # a zip (or .docx) renamed .pdf
        (b"\xff\xd8\xff\xe0" + b"\0" * 40, "unreadable"),  # a JPEG header and nothing else
        (b"%PDF-1.7" + b"0" * (LIMIT), "too_large"),
    ],
)
def test_refused(data: bytes, code: str) -> None:
    with pytest.raises(ReceiptRejected) as caught:
        clean(data, LIMIT)
    assert caught.value.code == code


def test_too_many_pixels_is_refused() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # small file, 48 megapixels
    assert len(out.getvalue()) < LIMIT
    with pytest.raises(ReceiptRejected) as caught:
        clean(out.getvalue(), LIMIT)
    assert caught.value.code == "too_large"


def test_pdf_is_stored_as_sent() -> None:
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    result = clean(pdf, LIMIT)
    assert result.data == pdf and result.content_type == "application/pdf"
