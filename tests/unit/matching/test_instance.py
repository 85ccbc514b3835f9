"""Instances: malformed ones are refused naming the record; good ones round-trip."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given

from matching.allocate import allocate
from matching.instance import InstanceError, dump_instance, dump_result, load_instance
from matching.types import Need, Source
from tests.unit.matching.strategies import FAST, instances

GOOD: dict[str, Any] = {
    "needs": [
        {
            "id": "n1",
            "case": "c1",
            "amount_fen": 500000,
            "urgency": 5,
            "category": "medical",
            "region": "421002",
            "age_band": "60+",
        },
        {
            "id": "n2",
            "case": "c1",
            "amount_fen": 100000,
            "urgency": 3,
            "category": "living",
            "region": "421002",
            "age_band": None,
        },
    ],
    "sources": [
        {
            "id": "s1",
            "kind": "pledge",
            "amount_fen": 100000,
            "categories": ["medical", "education"],
            "regions": ["4210"],
            "age_bands": [],
            "per_case_cap_fen": 300000,
        },
    ],
}


def broken(section: str, index: int, **changes: Any) -> dict[str, Any]:
    instance = copy.deepcopy(GOOD)
    record = instance[section][index]
    for key, value in changes.items():
        if value is ...:
            del record[key]
        else:
            record[key] = value
    return instance


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ([], "instance: must be an object"),
        ({"needs": []}, "instance: missing 'sources'"),
        ({"needs": {}, "sources": []}, "'needs' must be a list"),
        ({"needs": ["x"], "sources": []}, r"needs\[0\]: must be an object"),
        (
            broken("needs", 1, urgency=7),
            r"needs\[1\] \(id 'n2'\): urgency must be an integer 1..5 \(got 7\)",
        ),
        (broken("needs", 1, urgency=0), r"needs\[1\] \(id 'n2'\): urgency"),
        (broken("needs", 0, urgency=True), r"needs\[0\] \(id 'n1'\): urgency"),
        (
            broken("needs", 0, amount_fen=-5),
            r"needs\[0\] \(id 'n1'\): amount_fen must be an integer 0\.\.",
        ),
        (broken("needs", 0, amount_fen=12.5), r"needs\[0\] \(id 'n1'\): amount_fen"),
        (broken("needs", 0, case=...), r"needs\[0\] \(id 'n1'\): missing 'case'"),
        (broken("needs", 1, id=...), r"needs\[1\]: missing 'id'"),
        (broken("needs", 1, id="n1"), r"needs\[1\] \(id 'n1'\): duplicate id \(also needs\[0\]\)"),
        (broken("needs", 0, region="4210"), r"needs\[0\] \(id 'n1'\): region must be a 6-digit"),
        (broken("needs", 0, kind="gift"), r"needs\[0\] \(id 'n1'\): kind must be one of"),
        (broken("sources", 0, amount_fen=-1), r"sources\[0\] \(id 's1'\): amount_fen"),
        (broken("sources", 0, per_case_cap_fen=-1), r"sources\[0\] \(id 's1'\): per_case_cap_fen"),
        (broken("sources", 0, kind="loan"), r"sources\[0\] \(id 's1'\): kind must be one of"),
        (broken("sources", 0, kind=...), r"sources\[0\] \(id 's1'\): missing 'kind'"),
        (
            broken("sources", 0, regions=["42x"]),
            r"sources\[0\] \(id 's1'\): regions must be a list of division",
        ),
        (
            broken("sources", 0, categories="medical"),
            r"sources\[0\] \(id 's1'\): categories must be a list",
        ),
        (broken("sources", 0, track_record=2), r"sources\[0\] \(id 's1'\): track_record"),
    ],
)
def test_bad_instances_are_refused_naming_the_record(instance: Any, message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        load_instance(instance)


def test_duplicate_source_ids() -> None:
    instance = copy.deepcopy(GOOD)
    instance["sources"].append(dict(instance["sources"][0]))
    with pytest.raises(
        InstanceError, match=r"sources\[1\] \(id 's1'\): duplicate id \(also sources\[0\]\)"
    ):
        load_instance(instance)


def test_the_contract_example_loads() -> None:
    needs, sources = load_instance(GOOD)
    assert needs[0] == Need("n1", "c1", 500000, 5, "medical", "421002", "60+")
    assert sources[0].regions == ("4210",) and sources[0].per_case_cap_fen == 300000


def test_empty_instance() -> None:
    needs, sources = load_instance({"needs": [], "sources": []})
    result = dump_result(allocate(needs, sources))
    assert (
        result["allocations"] == []
        and result["objective"] == 0
        and result["cases_fully_covered"] == 0
    )


@FAST
@given(instances(kinds=("cash", "in_kind", "service")))
def test_dump_and_load_round_trip(instance: tuple[list[Need], list[Source]]) -> None:
    needs, sources = instance
    assert load_instance(dump_instance(needs, sources)) == (needs, sources)


def test_result_format() -> None:
    needs, sources = load_instance(GOOD)
    result = dump_result(allocate(needs, sources))
    assert result["allocations"] == [{"source": "s1", "need": "n1", "amount_fen": 100000}]
    assert result["objective"] == 500000
    assert set(result) >= {"allocations", "objective", "seconds", "cases_fully_covered"}
