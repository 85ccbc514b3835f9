"""The auditor's screens: the ledger explorer, its verification, the audit log."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from marketplace.accounts import queries
from marketplace.admin import forms, services
from marketplace.admin.views import ACTION_LABELS, _check_csrf, _paginate, bp
from marketplace.audit.queries import events_query
from marketplace.extensions import db
from marketplace.forms import CsrfForm
from marketplace.ledger import services as ledger
from marketplace.ledger.core import GENESIS, EntryKind
from marketplace.templating import ENTRY_KIND_LABELS
from marketplace.utils import get_row

# ---- auditor: the ledger ---------------------------------------------------------------------


@bp.get("/audit/ledger")
@login_required
def ledger_page() -> Any:
    scope = services.case_ids_in_scope(current_user)
    form = forms.LedgerFilters(formdata=request.args)
    form.kind.choices = [SelectChoice("", _("All kinds"))] + [
        SelectChoice(k.value, str(ENTRY_KIND_LABELS.get(k.value, k.value))) for k in EntryKind
    ]
    page, status = None, 200
    if form.validate():
        query = ledger.journal_query(
            form.kind.data or None,
            (form.account.data or "").strip() or None,
            form.since,
            form.until,
            scope,
        )
        page = _paginate(query)
    else:
        status = 422
    last = services.last_verification() if scope is None else None
    return render_template(
        "admin/ledger.html",
        form=form,
        page=page,
        global_auditor=scope is None,
        last=last,
        emails=queries.emails_of([last.actor_id] if last else []),
        verify_form=CsrfForm(),
    ), status


@bp.get("/audit/ledger/<int:seq>")
@login_required
def entry_page(seq: int) -> str:
    scope = services.case_ids_in_scope(current_user)
    entry = ledger.entry_by_seq(seq, scope)
    if entry is None:
        abort(404)
    before, after = ledger.chain_neighbours(entry)
    visible = {e.seq for e in (before, after) if e and ledger.entry_by_seq(e.seq, scope)}
    reverses = get_row(type(entry), entry.reverses_id) if entry.reverses_id else None
    return render_template(
        "admin/entry.html",
        entry=entry,
        before=before,
        after=after,
        visible=visible,
        reverses=reverses,
        hash_ok=ledger.recomputed_hash(entry) == entry.hash,
        linked=(before.hash if before else GENESIS) == entry.prev_hash,
        emails=queries.emails_of([entry.created_by_id]),
    )


@bp.post("/audit/ledger/verify")
@login_required
def verify() -> Response:
    _check_csrf()
    report = services.run_ledger_verification(current_user)
    db.session.commit()
    if report.ok:
        flash(
            _("The ledger checks out: %(n)d entries, chain and invariants hold.", n=report.entries),
            "success",
        )
    else:
        flash(_("The ledger has problems: see below."), "error")
    return redirect(url_for("admin.ledger_page"), 303)


# ---- auditor: the audit log ------------------------------------------------------------------


@bp.get("/audit/log")
@login_required
def audit_log() -> Any:
    actions = services.log_actions(current_user)
    scope = services.case_refs_in_scope(current_user)
    form = forms.AuditFilters(formdata=request.args)
    form.action.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(a, str(ACTION_LABELS[a])) for a in actions
    ]
    page, status = None, 200
    if form.validate():
        actor_id = None
        who = (form.actor.data or "").strip()
        if who:
            found = queries.user_by_email(who) if "@" in who else None
            actor_id = int(who) if who.isdigit() else (found.id if found else 0)
        query = events_query(
            [form.action.data] if form.action.data else actions,
            actor_id,
            (form.object.data or "").strip() or None,
            form.since,
            form.until,
            scope,
        )
        page = _paginate(query)
    else:
        status = 422
    items = page.items if page else []
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        labels=ACTION_LABELS,
        staff_actions=scope is None,
        emails=queries.emails_of([e.actor_id for e in items]),
    ), status
