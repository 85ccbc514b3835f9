"""Evidence of a payout: the receipts of a disbursement. Uploading one (checked and cleaned by
:mod:`marketplace.disbursements.receipts`, stored outside the web root under a random name), who
may download it, and the overdue rule (paid, no receipt ``RECEIPT_DUE_DAYS`` later) with its alert
job.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, select

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases.models import Case
from marketplace.db_types import utcnow
from marketplace.disbursements import receipts
from marketplace.disbursements.models import (
    Disbursement,
    DisbursementStatus,
    Receipt,
    ReceiptVariant,
)
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.services import notify


def receipts_dir() -> Path:
    folder = Path(current_app.config["RECEIPTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_receipt(
    actor: User, disbursement: Disbursement, data: bytes, variant: str = "original"
) -> Receipt:
    """Check, clean and store one file for the disbursement.

    Raises:
        ValidationFailed: the file is refused (its type by content, size, or unreadable image).
    """
    case = disbursement.case
    permissions.require(
        permissions.can_see_case_internals(actor, case) or permissions.is_custodian_reviewer(actor),
        hide=True,
    )
    max_bytes = current_app.config["RECEIPT_MAX_BYTES"]
    max_pixels = current_app.config.get("RECEIPT_MAX_PIXELS", receipts.MAX_PIXELS)
    try:
        cleaned = receipts.clean(data, max_bytes, max_pixels)
    except receipts.ReceiptRejected as exc:
        raise ValidationFailed(
            refusal_message(exc.code), {"file": [exc.code]}, code=_REFUSAL_CODES.get(exc.code)
        ) from exc
    name = secrets.token_hex(16)
    path = receipts_dir() / name
    path.write_bytes(cleaned.data)
    receipt = Receipt(
        disbursement_id=disbursement.id,
        variant=ReceiptVariant(variant),
        stored_name=name,
        content_type=cleaned.content_type,
        size_bytes=len(cleaned.data),
        sha256=cleaned.sha256,
        uploaded_by_id=actor.id,
    )
    db.session.add(receipt)
    db.session.flush()
    record(
        actor,
        "receipt.upload",
        "case",
        case.ref,
        disbursement=disbursement.id,
        receipt=receipt.id,
        sha256=cleaned.sha256,
    )
    return receipt


def refusal_message(code: str) -> Any:
    """The translated reason a receipt is refused (``code`` from :mod:`receipts`)."""
    limits = {
        "mb": format_megabytes(current_app.config["RECEIPT_MAX_BYTES"]),
        "mpx": current_app.config.get("RECEIPT_MAX_PIXELS", receipts.MAX_PIXELS) // 1_000_000,
    }
    refusals = {
        "empty": _l("The file is empty."),
        "too_large": _l("The file is too large: a receipt may be at most %(mb)s MB.", **limits),
        "file_type": _l("Only PDF, JPEG and PNG files are accepted."),
        "unreadable": _l("The image could not be read."),
        "too_many_pixels": _l(
            "The image has too many pixels: at most %(mpx)s megapixels. Take the photo or scan "
            "at a lower resolution.",
            **limits,
        ),
        "pdf_active_content": _l(
            "This PDF carries scripts, automatic actions or attached files, which are not "
            "accepted. Print the receipt to a new PDF, or upload a photo of it."
        ),
        "pdf_encrypted": _l("Password-protected PDFs are not accepted."),
        "pdf_unreadable": _l("The PDF could not be read."),
        "pdf_too_complex": _l(
            "This PDF has too many parts to be checked. Print the receipt to a new PDF, or "
            "upload a photo of it."
        ),
    }
    return refusals.get(code, _l("This file is refused."))


def format_megabytes(size: int) -> str:
    """``10485760`` -> ``"10"``; ``1572864`` -> ``"1.5"`` (MiB, as people count file sizes)."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


#: error codes of the JSON body that say more than ``validation_error``
_REFUSAL_CODES = {
    "too_many_pixels": "too_many_pixels",
    "pdf_active_content": "pdf_active_content",
}


def is_donor_to(user: User | None, case: Case) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(
        db.session.scalar(
            select(Pledge.id)
            .where(
                Pledge.donor_id == user.id,
                Pledge.case_id == case.id,
                Pledge.status == PledgeStatus.paid,
            )
            .limit(1)
        )
    )


def can_download(user: User | None, receipt: Receipt) -> bool:
    """Originals: the case's organization, custodian reviewers and auditors. Redacted copies:
    those, and donors to the case. The public sees only that a receipt exists."""
    case = receipt.disbursement.case
    if permissions.can_see_disbursements(user, case):
        return True
    return receipt.variant == ReceiptVariant.redacted and is_donor_to(user, case)


def receipt_path(receipt: Receipt) -> Path:
    return receipts_dir() / receipt.stored_name


# ---- overdue evidence -------------------------------------------------------------------------


def receipt_due_after() -> timedelta:
    """How long after payout a paid disbursement's receipts are due (``RECEIPT_DUE_DAYS``)."""
    return timedelta(days=current_app.config.get("RECEIPT_DUE_DAYS", 30))


def awaiting_receipts() -> ColumnElement[bool]:
    """A disbursement that was paid out and has no receipt yet."""
    return and_(
        Disbursement.status == DisbursementStatus.paid,
        ~exists().where(Receipt.disbursement_id == Disbursement.id),
    )


def receipts_overdue(now: datetime | None = None) -> ColumnElement[bool]:
    """The overdue-receipts rule, one expression for the alert job and the public service-level
    table: paid ``RECEIPT_DUE_DAYS`` (default 30) days or more before ``now`` and no receipt."""
    cutoff = (now or utcnow()) - receipt_due_after()
    return and_(awaiting_receipts(), Disbursement.decided_at <= cutoff)


def alert_overdue_receipts(now: Any = None) -> int:
    """Paid disbursements without any receipt ``RECEIPT_DUE_DAYS`` (default 30) after payout
    alert the case owner, once each. Returns how many are overdue."""
    overdue = db.session.scalars(select(Disbursement).where(receipts_overdue(now))).all()
    for found in overdue:
        notify(
            found.case.owner_id,
            str(
                _l(
                    "Receipts are overdue for disbursement %(id)s of case %(ref)s.",
                    id=found.id,
                    ref=found.case.ref,
                )
            ),
            link=f"/work/disbursements/{found.id}",
            key=f"disbursement:{found.id}:receipts-overdue",
        )
    db.session.flush()
    return len(overdue)
