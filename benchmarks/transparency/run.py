"""Transparency under load: 100,000 cases and 1,000,000 ledger postings in PostgreSQL, the app
under gunicorn, and a small load generator on the same machine.

Usage::

    .venv/bin/python benchmarks/transparency/run.py                     # load, serve, measure
    .venv/bin/python benchmarks/transparency/run.py --skip-load          # measure again
    .venv/bin/python benchmarks/transparency/run.py --cases 10000 --postings 100000   # smaller

The data is written with set-based SQL (``INSERT ... SELECT generate_series``) into a fresh
database: cases (90% published, 10% closed, with their stage times), one need line each, one
ledger account each, journal entries of two postings (each case gets gifts in rounds; every
fifth round is a payout, smaller than any gift; spread over two years) and the disbursement
rows of the payouts. Hashes are synthetic (``ledger verify`` is not the point here); account
balances are summed from the postings, so every page shows what the postings say.
Then gunicorn serves the app (``--workers``) and each URL kind is requested
``--requests`` times from ``--concurrency`` threads over keep-alive connections.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_transparency"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    if not args.skip_load:
        started = time.perf_counter()
        load(args.db, args.cases, args.postings)
        print(
            f"loaded {args.cases} cases, {args.postings} postings in "
            f"{time.perf_counter() - started:.0f} s"
        )
    refs = _sample_refs(args.db)
    port = _free_port()
    server = _serve(args.db, port, args.workers)
    try:
        _wait(port)
        urls = {
            "platform page /transparency": lambda r: "/transparency",
            "case page with trail /cases/<ref>": lambda r: f"/cases/{r.choice(refs)}",
            "case trail API": lambda r: f"/api/v1/transparency/ledger?case_ref={r.choice(refs)}",
            "summary API": lambda r: "/api/v1/transparency/summary",
            "open data, first page (JSON)": lambda r: "/api/v1/open-data/grants",
            "open data, first page (CSV)": lambda r: "/api/v1/open-data/grants?format=csv",
        }
        print(
            f"gunicorn {args.workers} workers; {args.requests} requests per URL kind, "
            f"{args.concurrency} at a time (first {args.concurrency * 2} of each discarded)"
        )
        for name, make in urls.items():
            print(_measure(port, name, make, args.requests, args.concurrency))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# ---- data -------------------------------------------------------------------------------------


def load(url: str, n_cases: int, n_postings: int) -> None:
    base, name = url.rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        from marketplace.cases.vault import encrypt
        from marketplace.demo import load_demo
        from marketplace.ledger import codes
        from marketplace.ledger import services as ledger

        load_demo(n_cases=8)
        for code in (ledger.WORLD_DONORS, ledger.WORLD_PAYEES):
            ledger.get_account(code)
        db.session.commit()
        ids = dict(
            db.session.execute(
                text(
                    "SELECT email, id FROM users WHERE email IN "
                    "('sw.shashi@demo.jjn.cn', 'custodian@demo.jjn.cn')"
                )
            ).all()
        )
        params = {
            "n": n_cases,
            "entries": n_postings // 2,
            "sw": ids["sw.shashi@demo.jjn.cn"],
            "custodian": ids["custodian@demo.jjn.cn"],
            "vendor": encrypt("荆州市中心医院"),
            # typed free text is encrypted at rest (EncryptedText): never a bare ''
            "blank": encrypt(""),
            "purpose": encrypt("住院费"),
            "case_prefix": codes.case(""),
            "donors": codes.WORLD_DONORS,
            "payees": codes.WORLD_PAYEES,
        }
        # synthetic rows straight into the tables: the entries are committed before their
        # postings, so the database's balance check (a trigger per row) is off while loading
        for table, trigger in BALANCE_TRIGGERS:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        for step, sql in STEPS:
            t0 = time.perf_counter()
            db.session.execute(text(sql), params)
            db.session.commit()
            print(f"  {step}: {time.perf_counter() - t0:.1f} s", flush=True)
        for table, trigger in BALANCE_TRIGGERS:
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


BALANCE_TRIGGERS = [
    ("journal_entries", "journal_entries_balanced"),
    ("postings", "postings_balanced"),
]

STEPS = [
    (
        "cases",
        """
INSERT INTO cases (ref, organization_id, owner_id, status, region, categories, category_tags,
    household_size, age_band, summary, public_summary, scrub_report, open_fen, committed_fen,
    emergency, created_at, updated_at, published_at, stage, funded_at, disbursing_at, closed_at,
    outcome, outcome_note, public_outcome_note)
SELECT 'JJB-' || lpad(g::text, 8, '0'),
    (SELECT organization_id FROM users WHERE id = :sw), :sw,
    CASE WHEN g % 10 = 0 THEN 'closed' ELSE 'published' END,
    (ARRAY['421002','421003','421022','421081'])[1 + g % 4],
    CAST((ARRAY['["medical"]','["education"]','["housing"]','["medical","disaster"]'])[1 + g % 4]
         AS json),
    (ARRAY[',medical,',',education,',',housing,',',medical,disaster,'])[1 + g % 4],
    1 + g % 6, 'adult', :blank, '合成案例', '{}', 0, 0, false,
    ts, ts, ts,
    CASE WHEN g % 10 = 0 THEN 'closed' WHEN g % 3 = 0 THEN 'disbursing'
         WHEN g % 2 = 0 THEN 'funded' ELSE 'published' END,
    CASE WHEN g % 2 = 0 OR g % 3 = 0 THEN ts + (g % 200) * interval '1 hour' END,
    CASE WHEN g % 3 = 0 OR g % 10 = 0 THEN ts + (g % 200 + g % 97) * interval '1 hour' END,
    CASE WHEN g % 10 = 0 THEN ts + interval '40 days' END,
    CASE WHEN g % 10 = 0 THEN 'resolved' END, :blank, ''
FROM (SELECT g, now() - (g % 700) * interval '1 day' - (g % 1440) * interval '1 minute' AS ts
      FROM generate_series(1, :n) AS g) AS s
""",
    ),
    (
        "need lines",
        """
INSERT INTO need_lines (case_id, position, kind, category, description, public_description,
    amount_fen, payee_kind, status)
SELECT id, 0, 'cash', categories->>0, :blank, '住院费用', 500000 + (id % 50) * 10000,
    'vendor', 'open'
FROM cases WHERE ref LIKE 'JJB-%'
""",
    ),
    (
        "case accounts",
        """
INSERT INTO ledger_accounts (code, kind, case_id, balance_fen, received_fen, created_at)
SELECT :case_prefix || ref, 'case', id, 0, 0, published_at FROM cases WHERE ref LIKE 'JJB-%'
""",
    ),
    (
        "journal entries",
        """
INSERT INTO journal_entries (seq, kind, memo, ref, created_at, meta, prev_hash, hash)
SELECT h.seq + g,
    CASE WHEN ((g - 1) / :n) % 5 = 4 THEN 'disbursement' ELSE 'pledge_paid' END,
    '', CASE WHEN ((g - 1) / :n) % 5 = 4 THEN 'disbursement:bench' || g ELSE NULL END,
    now() - ((:entries - g) % 730) * interval '1 day' - (g % 1440) * interval '1 minute',
    '{}',
    encode(sha256(('prev' || (h.seq + g))::bytea), 'hex'),
    encode(sha256(('hash' || (h.seq + g))::bytea), 'hex')
FROM generate_series(1, :entries) AS g, (SELECT seq FROM ledger_head WHERE id = 1) AS h
""",
    ),
    (
        "postings (two per entry)",
        """
WITH e AS (
    SELECT j.id, j.kind, j.seq, a.id AS case_account, a.case_id,
           CASE WHEN j.kind = 'disbursement' THEN 500 + j.seq % 500
                ELSE 1000 + (j.seq::bigint * 7919) % 90000 END AS fen, n.id AS line
    FROM journal_entries j
    JOIN ledger_accounts a
      ON a.code = :case_prefix || 'JJB-' || lpad((1 + j.seq % :n)::text, 8, '0')
    JOIN need_lines n ON n.case_id = a.case_id
    WHERE j.memo = '' AND (j.ref IS NULL OR j.ref LIKE 'disbursement:bench%')
)
INSERT INTO postings (entry_id, account_id, side, amount_fen, need_line_id, received_delta_fen)
SELECT id, case_account, CASE WHEN kind = 'disbursement' THEN 'credit' ELSE 'debit' END,
       fen, line,
       CASE WHEN kind = 'disbursement' THEN 0 ELSE fen END
FROM e
UNION ALL
SELECT id, (SELECT id FROM ledger_accounts WHERE code =
            CASE WHEN kind = 'disbursement' THEN :payees ELSE :donors END),
       CASE WHEN kind = 'disbursement' THEN 'debit' ELSE 'credit' END,
       fen, NULL, 0
FROM e
""",
    ),
    (
        "balances from postings",
        """
UPDATE ledger_accounts a SET balance_fen = s.balance, received_fen = s.received
FROM (SELECT account_id,
             SUM(CASE WHEN side = 'debit' THEN amount_fen ELSE -amount_fen END) AS balance,
             SUM(received_delta_fen) AS received
      FROM postings GROUP BY account_id) AS s
WHERE a.id = s.account_id
""",
    ),
    (
        "ledger head",
        """
UPDATE ledger_head SET seq = (SELECT max(seq) FROM journal_entries),
    hash = (SELECT hash FROM journal_entries ORDER BY seq DESC LIMIT 1) WHERE id = 1
""",
    ),
    (
        "disbursements of the payouts",
        """
INSERT INTO disbursements (case_id, need_line_id, amount_fen, payee_kind, payee_name, purpose,
    invoice_ref, status, requested_by_id, requested_at, decided_by_id, decided_at, reason,
    entry_seq)
SELECT a.case_id, p.need_line_id, p.amount_fen, 'vendor', :vendor, :purpose, '', 'paid',
       :sw, j.created_at, :custodian, j.created_at, :blank, j.seq
FROM journal_entries j
JOIN postings p ON p.entry_id = j.id AND p.side = 'credit'
JOIN ledger_accounts a ON a.id = p.account_id AND a.kind = 'case'
WHERE j.kind = 'disbursement' AND j.ref LIKE 'disbursement:bench%'
""",
    ),
    (
        "case figures",
        """
UPDATE cases c SET open_fen = GREATEST(n.amount_fen - a.received_fen, 0),
    committed_fen = LEAST(a.received_fen, n.amount_fen)
FROM ledger_accounts a, need_lines n
WHERE a.case_id = c.id AND n.case_id = c.id AND c.ref LIKE 'JJB-%'
""",
    ),
]


def _sample_refs(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        refs = [
            r
            for (r,) in conn.execute(
                text("SELECT ref FROM cases WHERE status = 'published' ORDER BY random() LIMIT 500")
            )
        ]
    engine.dispose()
    return refs


# ---- serving and measuring --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "development",
        "RATELIMIT_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "marketplace:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def _wait(port: int) -> None:
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not start")


def _measure(port: int, name: str, make, total: int, concurrency: int) -> str:  # type: ignore[no-untyped-def]
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_thread = total // concurrency

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for k in range(per_thread):
            path = make(rng)
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                if k >= 2:
                    timings.append(elapsed * 1000)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    return (
        f"{name}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms, {per_thread * concurrency / wall:.0f} req/s, "
        f"status {statuses}"
    )


if __name__ == "__main__":
    main()
