"""The policy tables (issue 13 item 2): the version in force, the import, the CLI and the API."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.policy import importing, services
from marketplace.policy.entitlement import EXAMPLE_CITY_BANDS, example_policy
from marketplace.policy.models import PolicyVersion

BANDS = "1-2:0-300000;2-3:300000-500000;3-4:500000-800000;4-:joint"
HEADER = (
    "region,version,effective_from,effective_to,dibao_fen,tekun_fen,"
    "small_sum_limit_fen,paperwork_days,bands\n"
)


def _add(region: str, label: str, start: date, end: date | None = None, dibao: int = 130_100):
    return services.add_version(
        region=region,
        version=label,
        effective_from=start,
        effective_to=end,
        policy=example_policy(dibao),
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(PolicyVersion)) or 0


def test_the_most_specific_prefix_wins(ctx: Flask) -> None:
    _add("42", "42-2026", date(2026, 1, 1), dibao=90_000)
    _add("4210", "4210-2026", date(2026, 1, 1), dibao=110_000)
    _add("421002", "421002-2026", date(2026, 1, 1))
    on = date(2026, 6, 1)
    assert services.policy_in_force("421002", on).version == "421002-2026"
    assert services.policy_in_force("421022", on).version == "4210-2026"  # 公安县: the city's
    assert services.policy_in_force("4210", on).version == "4210-2026"
    assert services.policy_in_force("420100", on).version == "42-2026"  # 武汉: the province's
    assert services.policy_in_force("42", on).version == "42-2026"
    assert services.policy_in_force("110101", on) is None


def test_a_more_specific_version_not_yet_in_force_leaves_the_wider_one(ctx: Flask) -> None:
    _add("4210", "4210-2026", date(2026, 1, 1))
    _add("421002", "421002-2027", date(2027, 1, 1))
    assert services.policy_in_force("421002", date(2026, 12, 31)).version == "4210-2026"
    assert services.policy_in_force("421002", date(2027, 1, 1)).version == "421002-2027"


def test_effective_from_is_inclusive_and_effective_to_exclusive(ctx: Flask) -> None:
    _add("421002", "421002-2026", date(2026, 1, 1), date(2027, 1, 1), dibao=130_100)
    _add("421002", "421002-2027", date(2027, 1, 1), None, dibao=135_000)
    assert services.policy_in_force("421002", date(2025, 12, 31)) is None
    assert services.policy_in_force("421002", date(2026, 1, 1)).version == "421002-2026"
    assert services.policy_in_force("421002", date(2026, 12, 31)).version == "421002-2026"
    assert services.policy_in_force("421002", date(2027, 1, 1)).version == "421002-2027"
    assert services.policy_in_force("421002", date(2099, 1, 1)).dibao_fen == 135_000


def test_an_overlapping_version_is_refused(ctx: Flask) -> None:
    _add("421002", "421002-2026", date(2026, 1, 1), date(2027, 1, 1))
    with pytest.raises(Conflict) as refused:
        _add("421002", "421002-2026b", date(2026, 12, 31))
    assert "421002-2026" in refused.value.details["effective_from"][0]
    with pytest.raises(Conflict):  # the label is unique
        _add("4210", "421002-2026", date(2030, 1, 1))
    with pytest.raises(ValidationFailed) as bad:
        _add("42100", "x", date(2026, 1, 1))
    assert "region" in bad.value.details
    with pytest.raises(ValidationFailed) as backwards:
        _add("4210", "4210-x", date(2026, 1, 1), date(2026, 1, 1))
    assert "effective_to" in backwards.value.details
    # another region's version for the same dates is no overlap
    _add("421003", "421003-2026", date(2026, 1, 1))
    assert _count() == 2


def test_to_policy_gives_back_the_pure_policy(ctx: Flask) -> None:
    stored = _add("421002", "421002-2026", date(2026, 1, 1))
    db.session.expire_all()
    policy = services.to_policy(db.session.get(PolicyVersion, stored.id))
    assert policy == example_policy(130_100)
    assert policy.bands == EXAMPLE_CITY_BANDS


def test_bands_accept_fractions_and_refuse_gaps() -> None:
    bands = importing.parse_bands("1-5/2:0-300000;5/2-:joint")
    assert bands[0].max_multiple == Fraction(5, 2)
    assert bands[1].joint_meeting and bands[1].max_fen is None
    assert importing.parse_bands(BANDS) == EXAMPLE_CITY_BANDS


def _write(tmp_path: Path, body: str, name: str = "policies.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8-sig")
    return path


def test_a_file_with_one_bad_row_writes_nothing(ctx: Flask, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"4210,4210-2026,2026-01-01,,110000,225500,50000,30,{BANDS}\n"
        f"421002,421002-2026,2026-01-01,,130100,225500,50000,30,1-2:0-300000;3-:joint\n"
        f"421003,421003-2026,2026-13-01,,130100,,50000,30,{BANDS}\n"
        f"4210,4210-2026b,2026-06-01,,110000,,50000,30,{BANDS}\n"
        f"42100,x,2026-01-01,,1,,0,30,{BANDS}\n",
    )
    with pytest.raises(ValidationFailed) as refused:
        importing.import_file(path)
    rows = refused.value.details["rows"]
    assert [(r["row"], r["field"]) for r in rows] == [
        (3, "bands"),  # a gap from 2x to 3x
        (4, "effective_from"),  # month 13
        (5, "effective_from"),  # overlaps row 2's 4210-2026
        (6, "region"),
    ]
    assert "gap" in rows[0]["message"] and "4210-2026" in rows[2]["message"]
    db.session.rollback()
    assert _count() == 0


def test_a_good_csv_and_xlsx_import(ctx: Flask, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"4210,4210-2026,2026-01-01,2027-01-01,110000,,50000,30,{BANDS}\n"
        f"4210,4210-2027,2027-01-01,,115000,225500,50000,30,{BANDS}\n\n",
    )
    assert importing.import_file(path) == 2
    assert services.policy_in_force("421022", date(2027, 3, 1)).dibao_fen == 115_000
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        ["421002", "421002-2026", date(2026, 1, 1), None, 130100, 225500, 50000, 30, BANDS]
    )
    book.save(tmp_path / "p.xlsx")
    assert importing.import_file(tmp_path / "p.xlsx") == 1
    found = services.policy_in_force("421002", date(2026, 1, 1))
    assert services.to_policy(found) == example_policy(130_100)


def test_a_missing_column_is_named(ctx: Flask, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("region,version\n4210,x\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        importing.import_file(path)
    assert {r["field"] for r in refused.value.details["rows"]} >= {"dibao_fen", "bands"}


def test_cli_import_and_show(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    bad = _write(tmp_path, f"4210,4210-2026,2026-01-01,,110000,,50000,0,{BANDS}\n", "bad.csv")
    result = runner.invoke(args=["policy", "import", str(bad)])
    assert result.exit_code == 1
    assert "row 2: paperwork_days" in result.output
    assert "nothing was imported" in result.output
    with app.app_context():
        assert _count() == 0
    good = _write(
        tmp_path,
        f"4210,4210-2026,2026-01-01,,110000,,50000,30,{BANDS}\n"
        f"421002,421002-2026,2026-01-01,,130100,225500,50000,30,{BANDS}\n",
    )
    result = runner.invoke(args=["policy", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "imported 2 policy versions" in result.output
    result = runner.invoke(args=["policy", "show", "421002", "--on", "2026-05-01"])
    assert result.exit_code == 0, result.output
    assert '"version": "421002-2026"' in result.output
    assert '"dibao_standard_fen": 130100' in result.output
    result = runner.invoke(args=["policy", "show", "421022", "--on", "2026-05-01"])
    assert '"version": "4210-2026"' in result.output
    result = runner.invoke(args=["policy", "show", "421002", "--on", "2025-05-01"])
    assert result.exit_code != 0 and "no policy in force" in result.output
    result = runner.invoke(args=["policy", "show", "4210x"])
    assert result.exit_code != 0


def test_api_gives_the_policy_in_force(client: FlaskClient, ctx: Flask) -> None:
    _add("4210", "4210-2026", date(2026, 1, 1), dibao=110_000)
    _add("421002", "421002-2026", date(2026, 1, 1))
    db.session.commit()
    response = client.get("/api/v1/policies?region=421002&on=2026-03-01")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == "421002-2026"
    assert body["region"] == "421002"
    assert body["dibao_standard_fen"] == 130_100
    assert body["tekun_standard_fen"] == 225_500
    assert body["small_sum_limit_fen"] == 50_000
    assert body["paperwork_deadline_days"] == 30
    assert body["temporary_bands"][0] == {
        "min_multiple": "1",
        "max_multiple": "2",
        "min_fen": 0,
        "max_fen": 300_000,
        "joint_meeting": False,
    }
    assert body["temporary_bands"][-1] == {
        "min_multiple": "4",
        "max_multiple": None,
        "min_fen": 0,
        "max_fen": None,
        "joint_meeting": True,
    }
    county = client.get("/api/v1/policies?region=421022&on=2026-03-01").get_json()
    assert county["version"] == "4210-2026"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("region=4210x&on=2026-03-01", "region"),
        ("region=42100&on=2026-03-01", "region"),
        ("on=2026-03-01", "region"),
        ("region=4210&on=2026-02-30", "on"),
        ("region=4210&on=yesterday", "on"),
    ],
)
def test_api_refuses_a_bad_region_or_date(client: FlaskClient, query: str, field: str) -> None:
    response = client.get(f"/api/v1/policies?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["details"]


def test_api_answers_404_when_none_is_in_force(client: FlaskClient, ctx: Flask) -> None:
    _add("4210", "4210-2026", date(2026, 1, 1))
    db.session.commit()
    response = client.get("/api/v1/policies?region=421002&on=2025-12-31")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert client.get("/api/v1/policies?region=110101").status_code == 404


def test_the_demo_seeds_jingzhou(ctx: Flask) -> None:
    from marketplace.demo.policies import load_policies

    assert load_policies() == 2
    assert load_policies() == 0  # idempotent
    on = date(2026, 1, 1)
    assert services.policy_in_force("421002", on).dibao_fen == 130_100
    assert services.policy_in_force("421022", on).version == "4210-2026"
    assert services.to_policy(services.policy_in_force("421003", on)).bands == EXAMPLE_CITY_BANDS


def test_the_404_message_speaks_chinese(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/policies?region=421002&on=2026-01-01", headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 404
    assert response.get_json()["message"] == "该地区在此日期没有施行中的救助政策。"
