"""The jobs themselves (DESIGN.md §10). Importing this module only registers them.

Each job: no arguments, idempotent (safe to run twice or from two processes), ``flush`` but no
``commit`` (``run_job`` commits), returns a small summary, logs identifiers only. Import services
inside the function so that importing the jobs stays cheap and free of side effects.

To add one, follow ``expire_cases`` below, e.g.::

    @job("release-reservations", "interval", minutes=5)
    def release_reservations() -> dict[str, int]:
        \"\"\"Release reservations whose hold has lapsed.\"\"\"
        from marketplace.donors.services import release_expired_reservations

        return {"released": release_expired_reservations()}


    @job("expire-pledges", "cron", hour=3, minute=0)
    def expire_pledges() -> dict[str, int]:
        \"\"\"Expire overdue pledges and reallocate what they held.\"\"\"
        ...

The job id and the ``jobs run`` name are the first argument; cron times are Asia/Shanghai.
"""

from __future__ import annotations

from marketplace.jobs.registry import job


@job("expire-cases", "cron", hour=2, minute=15)
def expire_cases() -> dict[str, int]:
    """Expire published cases whose publication period has ended."""
    from marketplace.cases.services import expire_cases as _expire_cases

    return {"expired": _expire_cases()}


@job("release-reservations", "interval", minutes=5)
def release_reservations() -> dict[str, int]:
    """Release the case reservations of checkouts that were never paid in time."""
    from marketplace.donors.services import release_expired_reservations

    return {"released": release_expired_reservations()}


@job("expire-pledges", "cron", hour=3, minute=0)
def expire_pledges() -> dict[str, int]:
    """Rule pledges past their expiry: unplaced money follows the donor's fallback."""
    from marketplace.donors.services import expire_rule_pledges

    return expire_rule_pledges()


@job("send-refunds", "interval", minutes=10)
def send_refunds() -> dict[str, int]:
    """Refunds recorded in the ledger are sent to the gateway (an outbox: the ledger entry and
    the pledge status commit first; the gateway call is idempotent per pledge and amount)."""
    from marketplace.donors.checkout import send_refunds as _send_refunds

    return {"sent": _send_refunds()}


@job("overdue-referrals", "interval", minutes=30)
def overdue_referrals() -> dict[str, int]:
    """Referrals not answered within their time limit alert the case owner."""
    from marketplace.ngos.services import mark_overdue_referrals

    return {"overdue": mark_overdue_referrals()}


@job("allocate", "interval", hours=1)
def allocate() -> dict[str, int]:
    """Propose plans for open cases from pooled pledges, funds and projects (never touches an
    accepted plan); case owners are notified."""
    from marketplace.plans.services import propose_allocations

    return propose_allocations()


@job("overdue-receipts", "cron", hour=8, minute=30)
def overdue_receipts() -> dict[str, int]:
    """Paid disbursements without receipts 30 days after payout alert the case owner."""
    from marketplace.disbursements.evidence import alert_overdue_receipts

    return {"overdue": alert_overdue_receipts()}


@job("follow-ups", "cron", hour=8, minute=45)
def follow_ups() -> dict[str, int]:
    """Remind case owners of the 30- and 90-day follow-ups after closing."""
    from marketplace.cases.lifecycle import remind_follow_ups

    return remind_follow_ups()


@job("monthly-report", "cron", day=1, hour=3, minute=0)
def monthly_report() -> dict[str, str]:
    """Generate last month's report (once; an existing report is left as it was)."""
    from marketplace.reports.services import generate, previous_month

    report = generate(previous_month())
    return {"month": report.month.isoformat(), "html_sha256": report.html_sha256}


@job("purge-pending-forms", "interval", hours=1)
def purge_pending_forms() -> dict[str, int]:
    """Forms kept across an expired session (issue 12 bug 4) are deleted 24 hours after they were
    kept, even when their user never comes back."""
    from marketplace.cases.pending_forms import purge_expired

    return {"purged": purge_expired()}
