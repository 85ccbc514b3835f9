"""The lint tools of issue 11: the import contract type of our own, the lists of domain packages
in the import contracts, and the file-size rule."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import grimp
import pytest

from tools import check_file_sizes
from tools.importlinter_contracts import ForbiddenNamesContract, find_forbidden_names

ROOT = Path(__file__).resolve().parents[2]
REQUEST_STATE = ["flask.request", "flask.session", "flask.g", "flask_login.current_user"]


def _names(source: str) -> list[tuple[int, str]]:
    return [(use.line_number, use.name) for use in find_forbidden_names(source, REQUEST_STATE)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from flask import request\n", [(1, "flask.request")]),
        ("from flask import Blueprint, g, session\n", [(1, "flask.g"), (1, "flask.session")]),
        ("from flask import (\n    abort,\n    request as req,\n)\n", [(1, "flask.request")]),
        ("from flask_login import current_user\n", [(1, "flask_login.current_user")]),
        ("from flask.globals import request\n", [(1, "flask.request")]),
        ("from flask import *\n", [(1, "flask.g"), (1, "flask.request"), (1, "flask.session")]),
        ("import flask\n\n\ndef f():\n    return flask.request.args\n", [(5, "flask.request")]),
        ("import flask as fl\nx = fl.g.user\n", [(2, "flask.g")]),
        ("import flask_login\nu = flask_login.current_user\n", [(2, "flask_login.current_user")]),
        ("def f():\n    from flask import request\n", [(2, "flask.request")]),
    ],
)
def test_forbidden_names_are_found(source: str, expected: list[tuple[int, str]]) -> None:
    assert sorted(_names(source)) == sorted(expected)


@pytest.mark.parametrize(
    "source",
    [
        "from flask import Blueprint, current_app, jsonify, abort\n",
        "from flask_login import login_required\n",
        "from marketplace.extensions import db\nrequest = db.session\n",
        "from .flask import request\n",  # a relative import is not Flask
        "import flask\napp = flask.Flask(__name__)\n",
        "from sqlalchemy.orm import session\n",  # another package's `session`
        "import requests\nrequests.get('https://example.com')\n",
    ],
)
def test_other_names_pass(source: str) -> None:
    assert _names(source) == []


def test_the_contract_reads_the_checked_modules_and_skips_the_exempt_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "contract_probe"
    (package / "shop").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "shop" / "__init__.py").write_text("")
    (package / "shop" / "services.py").write_text("import os\nfrom flask import g, request\n")
    (package / "shop" / "views.py").write_text("from flask import request\n")
    (package / "shop" / "models.py").write_text("from flask import current_app\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("contract_probe", cache_dir=None)

    def contract(**options: Any) -> ForbiddenNamesContract:
        return ForbiddenNamesContract(
            name="probe",
            session_options={"root_packages": ["contract_probe"]},
            contract_options={"forbidden_names": REQUEST_STATE, **options},
        )

    check = contract(
        source_modules=["contract_probe"], exempt_modules=["contract_probe.*.views"]
    ).check(graph, verbose=False)
    assert not check.kept
    uses = check.metadata["uses"]
    assert list(uses) == ["contract_probe.shop.services"]
    assert [(u.line_number, u.name) for u in uses["contract_probe.shop.services"]] == [
        (2, "flask.g"),
        (2, "flask.request"),
    ]
    assert uses["contract_probe.shop.services"][0].line == "from flask import g, request"

    kept = contract(source_modules=["contract_probe.shop.models"]).check(graph, verbose=False)
    assert kept.kept


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


#: packages of marketplace that are no domain: the ledger (its own contract), the scheduled
#: jobs and the demo data (entry points that call every domain, like the CLI)
NOT_DOMAINS = {"marketplace.ledger", "marketplace.jobs", "marketplace.demo"}


def test_every_domain_package_is_in_every_contract_that_lists_them() -> None:
    """A new package under marketplace/ gets the layers, the ledger's ban and the request ban:
    it is listed in each contract, or named here as no domain."""
    packages = {
        f"marketplace.{path.parent.name}" for path in (ROOT / "marketplace").glob("*/__init__.py")
    }
    domains = packages - NOT_DOMAINS
    contracts = _contracts()
    assert set(contracts["domain-layers"]["containers"]) == domains
    assert set(contracts["ledger-knows-no-domain"]["forbidden_modules"]) == domains
    checked = set(contracts["services-take-no-request"]["source_modules"])
    assert checked == domains | {"marketplace.ledger", "matching"}


def test_the_request_ban_exempts_exactly_the_web_layers() -> None:
    contracts = _contracts()
    web_layers = contracts["domain-layers"]["layers"][:2]
    web = {tail.strip(" ()") for layer in web_layers for tail in layer.split(":")}
    exempt = {
        e.removeprefix("marketplace.*.")
        for e in contracts["services-take-no-request"]["exempt_modules"]
    }
    assert exempt == web


def _tree(base: Path, files: dict[str, int]) -> None:
    for name, lines in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n" * lines)


def test_file_sizes_fail_on_a_long_file_and_on_a_stale_allowance(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "marketplace/fine.py": 400,
            "marketplace/long.py": 401,
            "marketplace/a/allowed.py": 500,
            "marketplace/a/split.py": 120,
            "matching/deep/long.py": 450,
            "tests/long.py": 900,
        },
    )
    allowed = {"marketplace/a/allowed.py", "marketplace/a/split.py", "marketplace/gone.py"}
    found = check_file_sizes.problems(tmp_path, allowed=allowed)
    assert [message.split(":")[0] for message in found] == [
        "marketplace/long.py",
        "matching/deep/long.py",
        "marketplace/a/split.py",
        "marketplace/gone.py",
    ]
    assert check_file_sizes.problems(tmp_path, allowed=set(), roots=("tests",), max_lines=900) == []
