"""Receipt checks by content: type by magic bytes, size, metadata stripped."""

from __future__ import annotations

import hashlib
import io
import warnings
import zlib

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from marketplace.disbursements import receipts
from marketplace.disbursements.receipts import ReceiptRejected, check_pdf, clean
from tests import pdfs

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


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def test_too_many_pixels_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _png(7300, 5440)  # 39.7 megapixels in a small file
    assert len(bomb) < 200 * 1024

    def no_decoding(self: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ReceiptRejected) as caught:
        clean(bomb, LIMIT, max_pixels=25_000_000)
    assert caught.value.code == "too_many_pixels"


def test_a_header_claiming_billions_of_pixels_is_refused() -> None:
    """Only a PNG signature and a header for 60,000 x 60,000 pixels: Pillow's own guard raises
    at open (over twice its limit); it is a refusal for too many pixels, not a server error."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = (60_000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    with pytest.raises(ReceiptRejected) as caught:
        clean(png, LIMIT, max_pixels=10**12)
    assert caught.value.code == "too_many_pixels"


def test_the_pixel_limit_is_a_parameter() -> None:
    small = _png(100, 100)
    assert clean(small, LIMIT, max_pixels=10_000).content_type == "image/png"
    with pytest.raises(ReceiptRejected) as caught:
        clean(small, LIMIT, max_pixels=9_999)
    assert caught.value.code == "too_many_pixels"


def test_pillows_bomb_warning_is_raised_even_where_warnings_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)  # warns from 1,000, raises at 2,000
    image = _png(40, 40)  # 1,600 pixels: Pillow would only warn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ReceiptRejected) as caught:
            clean(image, LIMIT, max_pixels=10**9)
    assert caught.value.code == "too_many_pixels"


# ---- PDF --------------------------------------------------------------------------------------


def test_pdf_is_stored_as_sent() -> None:
    pdf = pdfs.classic()
    result = clean(pdf, LIMIT)
    assert result.data == pdf and result.content_type == "application/pdf"


@pytest.mark.parametrize(
    "pdf",
    [
        pytest.param(pdfs.classic(), id="classic"),
        pytest.param(pdfs.in_object_stream(), id="object-stream"),
        pytest.param(pdfs.made_by_pypdf(link=True), id="web-link"),
        pytest.param(pdfs.made_by_pypdf(password=""), id="encrypted-no-password"),
        pytest.param(pdfs.classic(b"/Note(mentions JavaScript and OpenAction)"), id="words"),
    ],
)
def test_benign_pdfs_pass(pdf: bytes) -> None:
    check_pdf(pdf)


@pytest.mark.parametrize(
    "pdf",
    [
        pytest.param(pdfs.made_by_pypdf(js="app.alert(1)"), id="document-javascript"),
        pytest.param(pdfs.made_by_pypdf(attachment=True), id="embedded-file"),
        pytest.param(
            pdfs.with_open_action({"/S": "/JavaScript", "/JS": "app.alert(1)"}),
            id="open-action-javascript",
        ),
        pytest.param(pdfs.with_open_action({"/S": "/Launch", "/F": "calc.exe"}), id="launch"),
        pytest.param(
            pdfs.classic(page_extra=b"/AA<</O<</S/GoTo/D[3 0 R/Fit]>>>>"),
            id="page-additional-action",
        ),
        pytest.param(
            pdfs.classic(b"/O#70en#41ction<</S/J#61vaScript/J#53(app.alert(1))>>"),
            id="hex-escaped-javascript",
        ),
        pytest.param(
            pdfs.classic(page_extra=b"/A#41<</O<</S/GoTo/D[3 0 R/Fit]>>>>"),
            id="hex-escaped-additional-action",
        ),
        pytest.param(
            pdfs.in_object_stream(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
            id="javascript-in-object-stream",
        ),
        pytest.param(
            pdfs.in_object_stream(b"/AA<</WC<</S/GoTo/D[3 0 R/Fit]>>>>"),
            id="additional-action-in-object-stream",
        ),
        pytest.param(
            pdfs.classic(page_extra=b"/Annots[<</Subtype/RichMedia/Rect[0 0 9 9]>>]"),
            id="rich-media",
        ),
    ],
)
def test_active_pdfs_are_refused(pdf: bytes) -> None:
    with pytest.raises(ReceiptRejected) as caught:
        clean(pdf, LIMIT)
    assert caught.value.code == "pdf_active_content"


def test_the_parser_finds_what_a_byte_search_misses() -> None:
    """Names in a compressed object stream, and short names behind #xx escapes, are not in the
    file's bytes: only the parser sees them."""
    packed = pdfs.in_object_stream(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>")
    escaped = pdfs.classic(page_extra=b"/A#41<</O<</S/GoTo/D[3 0 R/Fit]>>>>")
    assert b"JavaScript" not in packed and b"/AA" not in escaped
    assert {"/OpenAction", "/JavaScript", "/JS"} <= receipts._active_names(packed)
    assert receipts._active_names(escaped) == {"/AA"}


@pytest.mark.parametrize(
    ("pdf", "code"),
    [
        (b"%PDF-1.7\nnonsense", "pdf_unreadable"),
        (pdfs.classic()[:200], "pdf_unreadable"),  # cut short
        (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
            "pdf_unreadable",
        ),
        (pdfs.made_by_pypdf(password="secret"), "pdf_encrypted"),
        (pdfs.classic(filler=receipts.MAX_PDF_OBJECTS), "pdf_too_complex"),
    ],
)
def test_pdfs_that_cannot_be_checked_are_refused(pdf: bytes, code: str) -> None:
    with pytest.raises(ReceiptRejected) as caught:
        clean(pdf, LIMIT)
    assert caught.value.code == code
