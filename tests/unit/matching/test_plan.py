"""The plan builder: never over a line, a source or a cap; few sources, whole lines first."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.plan import build_plan
from matching.scoring import eligible
from matching.types import Need, Plan, Source
from tests.unit.matching.strategies import FAST, needs, sources

KINDS = ("cash", "in_kind", "service")


def one_case(lines: list[Need]) -> list[Need]:
    return [Need(**{**{f: getattr(n, f) for f in n.__slots__}, "case": "c0"}) for n in lines]


def check_plan(
    plan: Plan, lines: list[Need], funders: list[Source], available: dict[str, int]
) -> None:
    by_need = {n.id: n for n in lines}
    by_source = {s.id: s for s in funders}
    money: dict[str, int] = defaultdict(int)
    units: dict[str, int] = defaultdict(int)
    per_source_money: dict[str, int] = defaultdict(int)
    per_source_units: dict[str, int] = defaultdict(int)
    for item in plan.items:
        need, source = by_need[item.need_id], by_source[item.source_id]
        assert eligible(source, need)[0]
        assert item.amount_fen >= 0 and item.units >= 0 and (item.amount_fen or item.units)
        assert item.units == 0 if need.is_money else item.amount_fen == 0
        money[need.id] += item.amount_fen
        units[need.id] += item.units
        per_source_money[source.id] += item.amount_fen
        per_source_units[source.id] += item.units
    for need in lines:
        wanted = need.amount_fen if need.is_money else (need.units or 0)
        got = money[need.id] if need.is_money else units[need.id]
        assert got <= wanted
        assert plan.covered[need.id] == got and plan.missing[need.id] == wanted - got
    for source in funders:
        assert per_source_money[source.id] <= available.get(source.id, source.amount_fen)
        assert per_source_units[source.id] <= (source.service_units or 0)
        if source.per_case_cap_fen is not None:
            assert per_source_money[source.id] <= source.per_case_cap_fen
    assert plan.complete == all(v == 0 for v in plan.missing.values())


@FAST
@given(needs(kinds=KINDS), sources(), st.data())
def test_plans_never_exceed_lines_capacities_or_caps(
    lines: list[Need], funders: list[Source], data: st.DataObject
) -> None:
    lines = one_case(lines)
    available = {
        s.id: data.draw(st.integers(0, s.amount_fen)) for s in funders if data.draw(st.booleans())
    }
    plan = build_plan(lines, funders, available=available)
    check_plan(plan, lines, funders, available)


def test_one_source_for_the_whole_case_beats_many_partial_ones() -> None:
    lines = [
        Need("a", "c", 3000, 5, "medical", "421002"),
        Need("b", "c", 2000, 3, "living", "421002"),
    ]
    small = [Source(f"p{i}", "pledge", 1000, home_region="421002") for i in range(6)]
    fund = Source("f", "fund", 10000, regions=("42",))
    plan = build_plan(lines, [*small, fund])
    assert plan.complete and plan.source_ids == ("f",)


def test_whole_lines_before_combinations_and_what_is_missing() -> None:
    lines = [
        Need("a", "c", 3000, 5, "medical", "421002"),
        Need("b", "c", 2500, 3, "living", "421002"),
    ]
    funders = [
        Source("big", "fund", 3000, categories=("medical",)),
        Source("x", "pledge", 1000),
        Source("y", "pledge", 1000),
    ]
    plan = build_plan(lines, funders)
    assert {(i.source_id, i.need_id, i.amount_fen) for i in plan.items} == {
        ("big", "a", 3000),
        ("x", "b", 1000),
        ("y", "b", 1000),
    }
    assert not plan.complete and plan.missing == {"a": 0, "b": 500}


def test_services_come_from_service_capacity_and_caps_hold() -> None:
    lines = [
        Need("care", "c", 0, 4, "care", "421002", kind="service", units=6),
        Need("med", "c", 5000, 4, "medical", "421002"),
    ]
    funders = [
        Source("ngo", "project", 0, service_units=4),
        Source("ngo2", "project", 0, service_units=10),
        Source("f", "fund", 100000, per_case_cap_fen=2000),
    ]
    plan = build_plan(lines, funders)
    assert plan.covered == {"care": 6, "med": 2000}
    assert [i.source_id for i in plan.items if i.need_id == "care"] == ["ngo2"]


def test_one_case_only() -> None:
    with pytest.raises(ValueError, match="one case"):
        build_plan([Need("a", "c1", 1, 1, "x", "421002"), Need("b", "c2", 1, 1, "x", "421002")], [])
