"""Global allocation: feasible, exactly optimal (against an independent LP), baselines below it."""

from __future__ import annotations

import pytest
from hypothesis import given

from matching.allocate import allocate, greedy_fcfs, greedy_urgency, lp_optimum
from matching.engine.exact import solve_exact
from matching.engine.problem import build_problem
from matching.generate import generate_instance
from matching.instance import load_instance
from matching.types import Need, Source
from matching.verify import cases_fully_covered, check_allocations, objective
from tests.unit.matching.strategies import FAST, instances

MIXED = ("cash", "cash", "in_kind", "service")


@FAST
@given(instances(kinds=MIXED))
def test_every_allocation_is_feasible(instance: tuple[list[Need], list[Source]]) -> None:
    needs, sources = instance
    result = allocate(needs, sources)
    assert check_allocations(needs, sources, result.allocations) == []
    assert result.objective == objective(needs, result.allocations)
    assert result.cases_fully_covered == cases_fully_covered(needs, result.allocations)
    pairs = [(a.source, a.need) for a in result.allocations]
    assert len(pairs) == len(set(pairs))


@FAST
@given(instances(max_needs=14, max_sources=7, kinds=MIXED))
def test_objective_equals_the_lp_optimum(instance: tuple[list[Need], list[Source]]) -> None:
    needs, sources = instance
    assert allocate(needs, sources).objective == lp_optimum(needs, sources)


@FAST
@given(instances(max_needs=25, max_sources=8))
def test_column_generation_is_exact_even_one_gadget_at_a_time(
    instance: tuple[list[Need], list[Source]],
) -> None:
    needs, sources = instance
    problem = build_problem(needs, sources)
    src, need, amount, _ = solve_exact(problem, spread=0.0, prefer_complete=False)
    assert int((problem.urgency[need] * amount).sum()) == lp_optimum(needs, sources)


@FAST
@given(instances())
def test_min_cost_engine_agrees(instance: tuple[list[Need], list[Source]]) -> None:
    needs, sources = instance
    problem = build_problem(needs, sources)
    src, need, amount, _ = solve_exact(problem, engine="mincost", prefer_complete=False)
    assert int((problem.urgency[need] * amount).sum()) == allocate(needs, sources).objective


@FAST
@given(instances(kinds=MIXED))
def test_greedy_baselines_are_feasible_and_not_better(
    instance: tuple[list[Need], list[Source]],
) -> None:
    needs, sources = instance
    best = allocate(needs, sources).objective
    for baseline in (greedy_fcfs, greedy_urgency):
        result = baseline(needs, sources)
        assert check_allocations(needs, sources, result.allocations) == []
        assert result.objective == objective(needs, result.allocations) <= best


@FAST
@given(instances())
def test_preferring_complete_cases_keeps_the_optimum(
    instance: tuple[list[Need], list[Source]],
) -> None:
    needs, sources = instance
    plain = allocate(needs, sources, prefer_complete=False)
    preferred = allocate(needs, sources)
    assert preferred.objective == plain.objective
    assert check_allocations(needs, sources, preferred.allocations) == []


def test_empty_instance_gives_an_empty_allocation() -> None:
    for needs, sources in (
        ([], []),
        ([Need("n1", "c1", 100, 3, "medical", "421002")], []),
        ([], [Source("s1", "fund", 100)]),
    ):
        result = allocate(needs, sources)
        assert result.allocations == ()
        assert result.objective == 0


def test_prefers_the_urgent_need_and_respects_the_cap() -> None:
    needs = [
        Need("a", "c1", 500, 5, "medical", "421002"),
        Need("b", "c2", 500, 1, "medical", "421002"),
        Need("c", "c2", 100, 4, "living", "421002"),
    ]
    sources = [Source("s", "fund", 800, regions=("4210",), per_case_cap_fen=300)]
    result = allocate(needs, sources)
    given_to = {a.need: a.amount_fen for a in result.allocations}
    assert given_to["a"] == 300  # capped per case
    assert given_to["c"] == 100 and given_to["b"] == 200  # the rest of c2's cap, urgent line first
    assert result.objective == 300 * 5 + 100 * 4 + 200 * 1 == lp_optimum(needs, sources)


def test_service_lines_take_no_money() -> None:
    needs = [Need("s", "c1", 1000, 5, "care", "421002", kind="service", units=4)]
    assert allocate(needs, [Source("f", "fund", 500)]).allocations == ()


def test_duplicate_ids_are_refused() -> None:
    needs = [Need("n", "c1", 1, 1, "medical", "421002")] * 2
    with pytest.raises(ValueError, match="duplicate need ids"):
        allocate(needs, [])


def test_a_generated_instance_matches_the_lp() -> None:
    needs, sources = load_instance(generate_instance(300, 60, seed=7))
    result = allocate(needs, sources)
    assert check_allocations(needs, sources, result.allocations) == []
    assert result.objective == lp_optimum(needs, sources)
    assert greedy_fcfs(needs, sources).objective <= result.objective
    assert greedy_urgency(needs, sources).objective <= result.objective


def test_huge_amounts_do_not_overflow() -> None:
    big = 10**12
    needs = [Need(f"n{i}", f"c{i % 3}", big - i, 1 + i % 5, "medical", "421002") for i in range(9)]
    sources = [
        Source("a", "fund", big, per_case_cap_fen=big // 3),
        Source("b", "fund", big, categories=("medical",), per_case_cap_fen=big // 7),
        Source("c", "pledge", big),
    ]
    result = allocate(needs, sources)
    assert check_allocations(needs, sources, result.allocations) == []
    problem = build_problem(needs, sources)
    src, need, amount, _ = solve_exact(problem, engine="mincost", prefer_complete=False)
    assert result.objective == int((problem.urgency[need] * amount).sum())
