"""The command line, end to end in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from matching.allocate import lp_optimum
from matching.instance import load_instance

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "matching", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_generate_allocate_check_round_trip(tmp_path: Path) -> None:
    instance, result = tmp_path / "instance.json", tmp_path / "result.json"
    assert (
        run(
            "generate", "--needs", "200", "--sources", "40", "--seed", "3", "-o", str(instance)
        ).returncode
        == 0
    )
    done = run("allocate", str(instance), "-o", str(result))
    assert done.returncode == 0, done.stderr
    data = json.loads(result.read_text())
    needs, sources = load_instance(json.loads(instance.read_text()))
    assert data["objective"] == lp_optimum(needs, sources)
    assert set(data) >= {"allocations", "objective", "seconds", "cases_fully_covered"}
    checked = run("check", str(instance), str(result))
    assert checked.returncode == 0
    assert json.loads(checked.stdout)["feasible"] is True
    greedy = run("allocate", str(instance), "--method", "greedy-fcfs")
    assert json.loads(greedy.stdout)["objective"] <= data["objective"]


def test_same_seed_same_instance() -> None:
    first = run("generate", "--needs", "30", "--sources", "5", "--seed", "9").stdout
    assert first == run("generate", "--needs", "30", "--sources", "5", "--seed", "9").stdout
    assert len(json.loads(first)["needs"]) == 30


def test_bad_instance_exits_2_naming_the_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    need = {
        "id": "n7",
        "case": "c1",
        "amount_fen": 10,
        "urgency": 9,
        "category": "medical",
        "region": "421002",
    }
    path.write_text(json.dumps({"needs": [need], "sources": []}))
    done = run("allocate", str(path))
    assert done.returncode == 2
    assert "needs[0] (id 'n7'): urgency must be an integer 1..5" in done.stderr
    assert done.stdout == ""


def test_not_json_and_missing_file_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{")
    assert run("allocate", str(path)).returncode == 2
    assert run("allocate", str(tmp_path / "missing.json")).returncode == 2


def test_empty_instance_gives_an_empty_allocation(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"needs": [], "sources": []}')
    done = run("allocate", str(path))
    assert done.returncode == 0
    assert json.loads(done.stdout)["allocations"] == []
