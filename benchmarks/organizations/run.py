"""A company's public record (``/companies/<id>``) when its fund has matched many gifts.

Usage::

    .venv/bin/python benchmarks/organizations/run.py --gifts 5000
    .venv/bin/python benchmarks/organizations/run.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_orgs

Loads the demo (``--cases`` cases, about two thirds published), gives one company a fund that
matches every gift 1:1 anywhere, then pays ``--gifts`` gifts of 10-50 yuan from 50 donors
over the published cases through the real services (each gift and its match are two ledger
entries), and pays out part of every case that received gifts. Then it times
``organizations.record`` and the page ``GET /companies/<id>`` ``--rounds`` times each, in
one process: the record with its sums computed afresh each time ("cold": what the first view
after a new ledger entry costs; it grows with the organization's entries) and the page while
the sums are kept (nothing moved in the ledger).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from marketplace import create_app
from marketplace.extensions import db


def _fresh_postgres(url: str) -> None:
    base, _, name = url.rpartition("/")
    engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(int(round(0.95 * len(ordered))) - 1, 0)]
    return (
        f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--gifts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.sqlite")
    if url.startswith("postgresql"):
        _fresh_postgres(url)
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "LOG_LEVEL": "ERROR",
            "RATELIMIT_ENABLED": False,
        }
    )
    rng = random.Random(5)
    with app.app_context():
        from marketplace.accounts.models import Organization, OrgKind, Role, User
        from marketplace.accounts.services import create_user
        from marketplace.cases.models import Case
        from marketplace.cases.states import CaseStatus
        from marketplace.db_types import utcnow
        from marketplace.demo import load_demo
        from marketplace.disbursements import services as payouts
        from marketplace.donors import funds
        from marketplace.donors import services as donors
        from marketplace.transparency import organizations

        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        load_demo(n_cases=args.cases)
        db.session.commit()
        staff = db.session.scalar(select(User).where(User.email == "csr.jingchu@demo.jjn.cn"))
        fund = funds.create_fund(
            staff,
            {
                "name": "全域配捐",
                "budget_fen": 1_000_000_000,
                "categories": [],
                "region": "",
                "match_ratio": 100,
                "match_min_gift_fen": 100,
                "match_ends_on": (utcnow() + timedelta(days=30)).date(),
            },
        )
        donors.record_payment(donors.create_fund_pledge(staff, fund.id, 900_000_000))
        givers = [
            create_user(f"bench-donor-{i}@example.org", "bench-password-2026", Role.donor)
            for i in range(50)
        ]
        published = db.session.scalars(
            select(Case).where(Case.status == CaseStatus.published).order_by(Case.id)
        ).all()
        db.session.commit()
        start = time.perf_counter()
        paid = 0
        for i in range(args.gifts):
            case = published[i % len(published)]
            amount = rng.randint(10, 50) * 100
            if donors.available_fen(case) < amount * 2:
                continue
            donors.record_payment(donors.create_case_pledge(rng.choice(givers), case, amount))
            paid += 1
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()
        load = time.perf_counter() - start
        custodian = db.session.scalar(select(User).where(User.email == "custodian@demo.jjn.cn"))
        for case in published:
            line = next((n for n in case.need_lines if n.kind in payouts.MONEY_KINDS), None)
            available = payouts.available_for_line(case, line.id) if line else 0
            if available < 200 or case.owner is None:
                continue
            found = payouts.request_disbursement(
                case.owner,
                case,
                {
                    "need_line_id": line.id,
                    "amount_fen": available // 2,
                    "payee_kind": "vendor",
                    "payee_name": "荆州市中心医院",
                    "purpose": "医疗费",
                    "invoice_ref": "BENCH",
                },
            )
            payouts.approve(custodian, found)
        db.session.commit()
        org = db.session.get(Organization, staff.organization_id)
        assert org is not None
        assert org.kind == OrgKind.company
        record = organizations.record(org)
        entries = db.session.scalar(text("SELECT count(*) FROM journal_entries"))
        print(
            f"{url.split('://')[0]}: {paid} gifts paid in {load:.1f} s; ledger {entries} entries; "
            f"company: committed {record['committed_fen']} fen to {record['cases_served']} "
            f"cases, delivered {record['delivered_fen']} fen"
        )
        timings = []
        for _ in range(args.rounds):
            db.session.expire_all()
            app.extensions.pop("organization_figures", None)  # cold: sum every entry again
            t = time.perf_counter()
            organizations.record(org)
            timings.append((time.perf_counter() - t) * 1000)
        print(f"organizations.record, cold         {_ms(timings)}")
        client = app.test_client()
        timings = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            response = client.get(f"/companies/{org.id}")
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        print(f"GET /companies/{org.id}, sums kept     {_ms(timings)}")


if __name__ == "__main__":
    main()
