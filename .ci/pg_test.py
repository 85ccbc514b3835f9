"""Run the whole test suite against a fresh PostgreSQL database, then drop it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

HOST = os.environ.get("PGHOST", "127.0.0.1")
name = f"jjn_test_{uuid.uuid4().hex[:10]}"
base = ["-h", HOST, "-U", os.environ.get("PGUSER", "postgres")]
subprocess.run(["createdb", *base, name], check=True)  # noqa: S603, S607
try:
    env = dict(os.environ)
    env["TEST_DATABASE_URL"] = f"postgresql+psycopg://postgres@{HOST}:5432/{name}"
    code = subprocess.call([".venv/bin/pytest", *sys.argv[1:]], env=env)  # noqa: S603
finally:
    subprocess.run(["dropdb", *base, "--if-exists", name], check=False)  # noqa: S603, S607
sys.exit(code)
