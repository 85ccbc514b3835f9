"""Receipt uploads through the HTML form and the API: the same size limit, the pixel limit read
before decoding, PDFs with active content refused; every refusal a clear 4xx, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace.disbursements.models import Receipt
from marketplace.extensions import db
from tests import pdfs
from tests.conftest import csrf_from, login
from tests.integration.test_disbursements import _funded, _request

MB = 1024 * 1024


@pytest.fixture
def upload_target(ctx: Any, client: Any, app: Any) -> dict[str, Any]:
    """A requested disbursement; its social worker with a token and a signed-in browser."""
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    browser = app.test_client()
    login(browser, case.owner.email)
    return {"did": did, "token": sw, "browser": browser}


def _api(client: Any, target: dict[str, Any], data: bytes, name: str) -> Any:
    return client.post(
        f"/api/v1/disbursements/{target['did']}/receipts",
        data={"file": (io.BytesIO(data), name)},
        headers=target["token"],
        content_type="multipart/form-data",
    )


def _html(target: dict[str, Any], data: bytes, name: str) -> Any:
    browser = target["browser"]
    page = browser.get(f"/work/disbursements/{target['did']}")
    assert page.status_code == 200
    return browser.post(
        f"/work/disbursements/{target['did']}/receipts",
        data={
            "csrf_token": csrf_from(page.text),
            "variant": "original",
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Receipt))


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def test_a_pixel_bomb_is_refused_by_html_and_api(upload_target: dict[str, Any], client: Any):
    bomb = _png(7300, 5440)  # 39.7 megapixels, ~150 KB
    rv = _api(client, upload_target, bomb, "receipt.png")
    assert rv.status_code == 422
    assert rv.json["error"] == "too_many_pixels"
    assert rv.json["details"] == {"file": ["too_many_pixels"]}
    assert "25" in rv.json["message"]
    page = _html(upload_target, bomb, "receipt.png")
    assert page.status_code == 422
    assert "图片像素过多:最多 25 百万像素" in page.text  # next to the file field, translated
    assert _stored() == 0


def test_a_5_mb_receipt_is_accepted_by_html_and_api(upload_target: dict[str, Any], client: Any):
    pdf = pdfs.classic(pad=5 * MB)
    assert len(pdf) > 5 * MB
    assert _api(client, upload_target, pdf, "receipt.pdf").status_code == 201
    assert _html(upload_target, pdf, "receipt.pdf").status_code == 302
    assert _stored() == 2


def test_too_large_is_refused_by_html_and_api_with_the_limit(
    upload_target: dict[str, Any], client: Any, app: Any
) -> None:
    limit = app.config["RECEIPT_MAX_BYTES"]
    assert limit == 10 * MB
    just_over = pdfs.classic(pad=limit)  # the body fits the envelope, the file does not
    rv = _api(client, upload_target, just_over, "receipt.pdf")
    assert rv.status_code == 422 and rv.json["details"] == {"file": ["too_large"]}
    assert "10 MB" in rv.json["message"]
    page = _html(upload_target, just_over, "receipt.pdf")
    assert page.status_code == 422 and "收据最大为 10 MB" in page.text

    far_over = pdfs.classic(pad=12 * MB)  # refused before the body is read
    rv = _api(client, upload_target, far_over, "receipt.pdf")
    assert rv.status_code == 413 and rv.json["error"] == "payload_too_large"
    assert "10 MB" in rv.json["message"] and rv.json["details"] == {"file": ["too_large"]}
    page = _html(upload_target, far_over, "receipt.pdf")
    assert page.status_code == 413
    assert "收据最大为 10 MB" in page.text and 'name="file"' in page.text  # the form again
    assert _stored() == 0


def test_other_forms_keep_the_small_limit(upload_target: dict[str, Any], client: Any) -> None:
    browser = upload_target["browser"]
    page = browser.get(f"/work/disbursements/{upload_target['did']}")
    rv = browser.post(  # a file part: the body's limit counts, not the one of form fields
        f"/work/disbursements/{upload_target['did']}/reject",
        data={
            "csrf_token": csrf_from(page.text),
            "reason": "x",
            "file": (io.BytesIO(b"0" * (3 * MB)), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert rv.status_code == 413 and "请求内容过大" in rv.text
    rv = client.post(
        "/api/v1/disbursements",
        data=b'{"case_ref": "' + b"x" * (3 * MB) + b'"}',
        headers={**upload_target["token"], "Content-Type": "application/json"},
    )
    assert rv.status_code == 413 and rv.json["error"] == "payload_too_large"


def test_a_413_for_someone_elses_disbursement_names_nothing(
    upload_target: dict[str, Any], app: Any
) -> None:
    from marketplace.accounts.models import OrgKind, Role
    from tests.conftest import make_user

    stranger = make_user(Role.social_worker, OrgKind.civil_affairs, "公安县民政局")
    other = app.test_client()
    login(other, stranger.email)
    rv = other.post(
        f"/work/disbursements/{upload_target['did']}/receipts",
        data={
            "csrf_token": csrf_from(other.get("/").text),
            "file": (io.BytesIO(b"0" * (12 * MB)), "r.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert rv.status_code == 413
    assert "荆州市中心医院" not in rv.text and 'name="file"' not in rv.text


@pytest.mark.parametrize(
    "pdf",
    [
        pytest.param(pdfs.made_by_pypdf(js="app.alert(1)"), id="javascript"),
        pytest.param(pdfs.with_open_action({"/S": "/Launch", "/F": "calc.exe"}), id="launch"),
        pytest.param(
            pdfs.classic(b"/O#70en#41ction<</S/J#61vaScript/J#53(app.alert(1))>>"),
            id="hex-escaped",
        ),
        pytest.param(
            pdfs.in_object_stream(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
            id="object-stream",
        ),
        pytest.param(pdfs.made_by_pypdf(attachment=True), id="embedded-file"),
    ],
)
def test_active_pdfs_are_refused_by_html_and_api(
    upload_target: dict[str, Any], client: Any, pdf: bytes
) -> None:
    rv = _api(client, upload_target, pdf, "receipt.pdf")
    assert rv.status_code == 422
    assert rv.json["error"] == "pdf_active_content"
    assert rv.json["details"] == {"file": ["pdf_active_content"]}
    page = _html(upload_target, pdf, "receipt.pdf")
    assert page.status_code == 422 and "此 PDF 含有脚本、自动操作或附件" in page.text
    assert _stored() == 0


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + b"\xff" * 300, pdfs.classic()[:-40], b"%PDF-1.4\ntrailer<</Root 9 0 R>>"],
)
def test_a_malformed_pdf_is_a_clean_refusal(
    upload_target: dict[str, Any], client: Any, data: bytes
) -> None:
    rv = _api(client, upload_target, data, "receipt.pdf")
    assert rv.status_code in (201, 422), rv.json  # never a server error
    if rv.status_code == 422:
        assert rv.json["details"]["file"] == ["pdf_unreadable"]
    assert _html(upload_target, data, "receipt.pdf").status_code in (302, 422)
