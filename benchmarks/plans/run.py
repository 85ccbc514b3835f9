"""Per-case scoring + plan building against many projects and pooled pledges in the database.

Usage::

    .venv/bin/python benchmarks/plans/run.py --projects 10000 --pledges 100000
    .venv/bin/python benchmarks/plans/run.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench

Loads the demo data, then synthetic NGO projects (money, service and both; serving a county,
a city or the whole province of the four Hubei cities of ``matching.generate``), paid rule
pledges (their rule classes and pool balances), project budgets and a referral history straight
into a fresh database (a SQLite file by default; ``--db`` drops and recreates a PostgreSQL
database). Project budgets and pool balances are written as account balances, not journal
entries: the timing does not depend on how the money got there.

Then, for every published case, ``--rounds`` times: read the candidate sources and the open
needs once ("sources"), score them for the match list ("matches") and build and store a plan
("plan"), rolled back.
The first round (cold process cache of projects) is reported separately.
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
from sqlalchemy import create_engine, insert, select, text

from marketplace import create_app
from marketplace.cases.reference import CATEGORIES
from marketplace.extensions import db
from matching.generate import AGE_BANDS, REGIONS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--pledges", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile the measured rounds")
    parser.add_argument("--sort", default="cumulative", help="profile order (e.g. tottime)")
    args = parser.parse_args()
    url = args.db or "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.sqlite")
    if url.startswith("postgresql"):
        _fresh_postgres(url)
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        from marketplace.demo import load_demo

        load_demo(n_cases=40)
        db.session.commit()
        start = time.perf_counter()
        _load(args.projects, args.pledges, args.referrals)
        db.session.commit()
        print(f"loaded in {time.perf_counter() - start:.0f} s ({url.split(':')[0]})")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(_measure, args.rounds)
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(30)
        else:
            print(_measure(args.rounds))


def _fresh_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    engine = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _region(rng: random.Random) -> str:
    city = rng.choice(sorted(REGIONS))
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(REGIONS[city])
    return city if roll < 0.85 else "42"


def _load(n_projects: int, n_pledges: int, n_referrals: int) -> None:
    from marketplace.accounts.models import Organization, User
    from marketplace.cases.models import Case, NeedLine
    from marketplace.db_types import utcnow
    from marketplace.donors.models import Pledge, RuleClass
    from marketplace.donors.services import rule_key
    from marketplace.ledger import codes
    from marketplace.ledger.models import AccountKind, LedgerAccount
    from marketplace.ngos.models import Project, Referral

    rng = random.Random(1)
    ngos = list(db.session.scalars(select(Organization.id).where(Organization.kind == "ngo")))
    donor = db.session.scalars(select(User.id).where(User.email == "donor@demo.jjn.cn")).one()
    cats = list(CATEGORIES)
    first = (db.session.scalar(select(Project.id).order_by(Project.id.desc())) or 0) + 1
    projects, accounts = [], []
    for i in range(n_projects):
        kind = rng.choices(["money", "service", "both"], [0.4, 0.4, 0.2])[0]
        projects.append(
            {
                "organization_id": rng.choice(ngos),
                "name": f"p{i}",
                "description": "",
                "kind": kind,
                "categories": rng.sample(cats, 2),
                "regions": [_region(rng)],
                "age_bands": rng.choice([[], [], [rng.choice(AGE_BANDS)]]),
                "per_case_cap_fen": rng.choice([None, 200_000, 500_000, 800_000]),
                "monthly_units": rng.randint(10, 80) if kind != "money" else None,
                "unit_name": "次" if kind != "money" else None,
                "status": "active",
            }
        )
        if kind != "service":
            accounts.append(
                {
                    "code": codes.project(first + i),
                    "kind": AccountKind.project,
                    "balance_fen": rng.randint(10_000, 200_000) * 100,
                    "received_fen": 0,
                }
            )
    db.session.execute(insert(Project), projects)
    classes = {key: cid for key, cid in db.session.execute(select(RuleClass.key, RuleClass.id))}
    pledges = []
    pools: dict[int, int] = {}
    for _ in range(n_pledges):
        rule = {
            "categories": sorted(rng.sample(cats, rng.choice([1, 1, 2]))),
            "region": _region(rng)[:4] if rng.random() < 0.8 else "",
            "age_band": rng.choice([None, None, None, rng.choice(AGE_BANDS)]),
        }
        key = rule_key(rule)
        if key not in classes:
            db.session.execute(
                insert(RuleClass),
                [
                    {
                        "key": key,
                        "categories": rule["categories"],
                        "region": rule["region"],
                        "age_band": rule["age_band"],
                    }
                ],
            )
            classes[key] = db.session.scalar(select(RuleClass.id).where(RuleClass.key == key))
        small = rng.random() < 0.85
        amount = int(rng.lognormvariate(5.7 if small else 8.5, 0.9)) * 100
        amount = min(max(amount, 100), 50_000_000)
        pools[classes[key]] = pools.get(classes[key], 0) + amount
        pledges.append(
            {
                "donor_id": donor,
                "rule": rule,
                "rule_class_id": classes[key],
                "amount_fen": amount,
                "status": "paid",
                "anonymous": True,
                "fallback": "similar",
                "gateway": "fake",
                "placed_fen": 0,
            }
        )
    for k in range(0, len(pledges), 10_000):
        db.session.execute(insert(Pledge), pledges[k : k + 10_000])
    existing = {
        code
        for (code,) in db.session.execute(
            select(LedgerAccount.code).where(LedgerAccount.kind == AccountKind.pool)
        )
    }
    for cid, fen in pools.items():
        if codes.pool(cid) in existing:  # a demo pledge's class
            db.session.execute(
                text("UPDATE ledger_accounts SET balance_fen = balance_fen + :f WHERE code = :c"),
                {"f": fen, "c": codes.pool(cid)},
            )
        else:
            accounts.append(
                {
                    "code": codes.pool(cid),
                    "kind": AccountKind.pool,
                    "balance_fen": fen,
                    "received_fen": 0,
                }
            )
    db.session.execute(insert(LedgerAccount), accounts)
    # the history belongs to earlier cases (not the published ones measured: a live case has a
    # handful of referrals, not hundreds)
    lines = db.session.execute(
        select(NeedLine.id, NeedLine.case_id).join(Case).where(Case.status != "published")
    ).all()
    now = utcnow()
    referrals = []
    for _ in range(n_referrals):
        line, case = rng.choice(lines)
        status = rng.choices(["delivered", "accepted", "declined", "overdue"], [6, 2, 1, 1])[0]
        created = now - timedelta(days=rng.randint(0, 365))
        referrals.append(
            {
                "case_id": case,
                "need_line_id": line,
                "project_id": rng.randint(first, first + n_projects - 1),
                "units": rng.randint(1, 8),
                "status": status,
                "due_at": created + timedelta(hours=72),
                "created_at": created,
            }
        )
    for k in range(0, len(referrals), 10_000):
        db.session.execute(insert(Referral), referrals[k : k + 10_000])
    db.session.execute(text("ANALYZE"))


def _measure(rounds: int) -> str:
    from marketplace.cases.models import Case
    from marketplace.plans.services import build_plan, candidate_sources, case_needs, matches

    cases = list(db.session.scalars(select(Case).where(Case.status == "published")))
    cold: list[float] = []
    warm: dict[str, list[float]] = {"sources": [], "matches": [], "plan": [], "total": []}
    counts = []
    for r in range(rounds + 1):
        for case in cases:
            t0 = time.perf_counter()
            sources, needs = candidate_sources(case), case_needs(case)
            t1 = time.perf_counter()
            matches(case, sources=sources, needs=needs)
            t2 = time.perf_counter()
            build_plan(None, case, sources=sources, needs=needs)
            t3 = time.perf_counter()
            db.session.rollback()
            if r == 0:
                cold.append((t3 - t0) * 1000)
                counts.append(len(sources))
                continue
            for name, value in (
                ("sources", t1 - t0),
                ("matches", t2 - t1),
                ("plan", t3 - t2),
                ("total", t3 - t0),
            ):
                warm[name].append(value * 1000)
    parts = [
        f"cases={len(cases)} x {rounds} rounds; candidate sources per case: "
        f"median {statistics.median(counts):.0f}, max {max(counts)}"
    ]
    parts.append(f"first round (cold project cache): max {max(cold):.1f} ms")
    for name, values in warm.items():
        values.sort()
        p95 = values[max(int(len(values) * 0.95) - 1, 0)]
        parts.append(f"{name}: p50 {statistics.median(values):.1f} ms, p95 {p95:.1f} ms")
    return "\n".join(parts)


if __name__ == "__main__":
    main()
