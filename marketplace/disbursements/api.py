"""Disbursement endpoints of API.md: request, receipts, approve (and reject)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from marketplace.accounts import permissions
from marketplace.accounts.api_auth import api_user, require_api_user
from marketplace.cases import services as case_services
from marketplace.disbursements import evidence, schemas, services
from marketplace.disbursements.models import Receipt
from marketplace.errors import NotFound, ValidationFailed, error_body, json_error_response
from marketplace.extensions import db
from marketplace.security import SANDBOX_CSP, talisman
from marketplace.uploads import large_upload, upload_limit
from marketplace.utils import get_row

bp = Blueprint(
    "disbursements_api", __name__, url_prefix="/api/v1", description="Money out, four eyes"
)


@bp.route("/disbursements")
class Disbursements(MethodView):
    @bp.arguments(schemas.DisbursementCreateSchema)
    @bp.response(201, schemas.DisbursementSchema)
    @bp.alt_response(409, description="more than is held for the need line")
    def post(self, data: dict[str, Any]) -> Any:
        """Request a disbursement from the case's held funds (a social worker of its org)."""
        user = require_api_user()
        case = case_services.get_case(data.pop("case_ref"))
        found = services.request_disbursement(user, case, data)
        db.session.commit()
        return found


@bp.route("/disbursements/<int:disbursement_id>")
class DisbursementOne(MethodView):
    @bp.response(200, schemas.DisbursementSchema)
    def get(self, disbursement_id: int) -> Any:
        """One disbursement, for the case's organization, the custodian and auditors (auditors
        without the purpose, and without the payee's name unless it is a vendor)."""
        user = require_api_user()
        found = services.get_disbursement(disbursement_id)
        permissions.require(permissions.can_see_disbursements(user, found.case), hide=True)
        return services.view_for(user, found)


@bp.route("/disbursements/<int:disbursement_id>/approve")
class DisbursementApprove(MethodView):
    @bp.response(200, schemas.DisbursementSchema)
    @bp.alt_response(409, description="already decided, or more than is held")
    def post(self, disbursement_id: int) -> Any:
        """Approve and execute (a custodian reviewer, never the requester)."""
        user = require_api_user()
        found = services.get_disbursement(disbursement_id)
        services.approve(user, found)
        db.session.commit()
        return found


@bp.route("/disbursements/<int:disbursement_id>/reject")
class DisbursementReject(MethodView):
    @bp.arguments(schemas.DecisionSchema)
    @bp.response(200, schemas.DisbursementSchema)
    def post(self, data: dict[str, Any], disbursement_id: int) -> Any:
        """Reject with a reason (a custodian reviewer, never the requester)."""
        user = require_api_user()
        found = services.get_disbursement(disbursement_id)
        services.reject(user, found, data["reason"])
        db.session.commit()
        return found


@bp.route("/disbursements/<int:disbursement_id>/receipts")
class DisbursementReceipts(MethodView):
    decorators = [large_upload("RECEIPT_MAX_BYTES")]

    @bp.response(201, schemas.ReceiptSchema)
    @bp.alt_response(413, description="the body is larger than RECEIPT_MAX_BYTES")
    @bp.alt_response(
        422,
        description="refused: type by content, size, an image over RECEIPT_MAX_PIXELS "
        "(too_many_pixels), a PDF with scripts or actions (pdf_active_content) or unreadable",
    )
    def post(self, disbursement_id: int) -> Any:
        """Upload a receipt: multipart field ``file`` (PDF, JPEG, PNG; at most
        ``RECEIPT_MAX_BYTES``, 10 MB, the same as the HTML form), optional ``variant``
        (``original``, default, or ``redacted``: the copy donors to the case may see)."""
        user = require_api_user()
        found = services.get_disbursement(disbursement_id)
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed(_l("Send the file in the field 'file'."), {"file": ["required"]})
        variant = request.form.get("variant", "original")
        if variant not in ("original", "redacted"):
            raise ValidationFailed(_l("Not one of the allowed values."), {"variant": [variant]})
        receipt = evidence.add_receipt(user, found, read_upload(upload.stream), variant)
        db.session.commit()
        return receipt


BINARY = {"type": "string", "format": "binary"}


@bp.route("/receipts/<int:receipt_id>/file")
class ReceiptFile(MethodView):
    decorators = [talisman(content_security_policy=SANDBOX_CSP)]  # stricter than the site's

    @bp.alt_response(200, schema=BINARY, content_type="application/pdf", success=True)
    @bp.alt_response(200, schema=BINARY, content_type="image/jpeg", success=True)
    @bp.alt_response(200, schema=BINARY, content_type="image/png", success=True)
    def get(self, receipt_id: int) -> Any:
        """The stored file, as an attachment, for those allowed to see this variant."""
        receipt = get_row(Receipt, receipt_id)
        if receipt is None or not evidence.can_download(api_user(), receipt):
            raise NotFound(_l("Not found."))
        return receipt_response(receipt)


@bp.errorhandler(413)
def too_large(error: HTTPException) -> Any:
    """A body over the limit, with the limit in the message when it was a receipt."""
    if upload_limit(request.endpoint) is None:
        return json_error_response(error)
    return error_body(413, str(evidence.refusal_message("too_large")), {"file": ["too_large"]})


def read_upload(stream: Any) -> bytes:
    """The uploaded file, read up to one byte past the limit (so too large is seen as such)."""
    return bytes(stream.read(current_app.config["RECEIPT_MAX_BYTES"] + 1))


def receipt_response(receipt: Receipt) -> Any:
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    response = send_file(
        evidence.receipt_path(receipt),
        mimetype=receipt.content_type,
        as_attachment=True,
        download_name=f"receipt-{receipt.id}.{extension.get(receipt.content_type, 'bin')}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    # Content-Security-Policy (sandbox) and nosniff: Talisman, with SANDBOX_CSP on the views
    return response
