"""Per-case scoring + plan building against many projects and pooled pledges in the database.

Usage: .venv/bin/python benchmarks/plans/run.py --projects 1000 --pledges 10000 [--db URL]

Loads synthetic projects and paid rule pledges straight into a fresh database (SQLite file by
default), then times ``matches(case)`` + ``build_plan`` for 30 published cases and prints p50/p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert

from marketplace import create_app
from marketplace.cases.reference import CATEGORIES
from marketplace.extensions import db

REGIONS = ["421002", "421003", "421022", "421081", "420102", "420106"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--pledges", type=int, default=10000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.sqlite")
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        from marketplace.demo import load_demo

        load_demo(n_cases=40)
        db.session.commit()
        _load(args.projects, args.pledges)
        db.session.commit()
        print(_measure())


def _load(n_projects: int, n_pledges: int) -> None:
    from marketplace.accounts.models import Organization, User
    from marketplace.donors.models import Pledge
    from marketplace.ngos.models import Project

    rng = random.Random(1)
    ngo = db.session.query(Organization).filter_by(kind="ngo").first()
    donor = db.session.query(User).filter_by(email="donor@demo.jjn.cn").one()
    cats = list(CATEGORIES)
    db.session.execute(
        insert(Project),
        [
            {
                "organization_id": ngo.id,
                "name": f"p{i}",
                "description": "",
                "kind": "service",
                "categories": rng.sample(cats, 2),
                "regions": [rng.choice(REGIONS)[:4]],
                "age_bands": [],
                "monthly_units": 50,
                "unit_name": "次",
                "status": "active",
            }
            for i in range(n_projects)
        ],
    )
    db.session.execute(
        insert(Pledge),
        [
            {
                "donor_id": donor.id,
                "rule": {
                    "categories": [rng.choice(cats)],
                    "region": rng.choice(REGIONS)[:4],
                    "age_band": None,
                },
                "amount_fen": rng.randint(100, 50_000) * 100,
                "status": "paid",
                "anonymous": True,
                "fallback": "similar",
                "gateway": "fake",
                "placed_fen": 0,
            }
            for _ in range(n_pledges)
        ],
    )


def _measure() -> str:
    from marketplace.cases.models import Case
    from marketplace.plans.services import build_plan, matches

    cases = db.session.query(Case).filter_by(status="published").limit(30).all()
    times = []
    for case in cases:
        start = time.perf_counter()
        matches(case)
        build_plan(None, case)
        times.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return f"cases={len(times)} p50={statistics.median(times):.0f} ms p95={p95:.0f} ms"


if __name__ == "__main__":
    main()
