"""Matching engine: scoring, plan building and global allocation.

A pure library: no Flask and no database imports. The web app converts rows to this package's
frozen dataclasses (:mod:`matching.types`) in ``marketplace/plans/`` and stores what comes back.

Design overview
===============

Three jobs, three modules, one set of eligibility rules (:mod:`matching.rules`: a source's
categories / region prefixes / age bands are empty or accept the need's).

**Scoring** (:mod:`matching.scoring`): one source against one need line. Hard eligibility first
(rules, the right kind of capacity, a non-zero cap, a deadline not passed), then named factors,
each a value in 0..1 times a configured weight (:class:`~matching.types.Weights`): urgency,
category fit, locality, amount fit, delivery record, days to deadline. A :class:`Score` keeps
every :class:`Factor`, so people see why ("同区县 +0.30, 医疗类匹配 +0.25, ..."), and its total is
the sum of the contributions.

**Plan building** (:mod:`matching.plan`): one case, one plan. Money lines from money, service
lines from service units; one source for the whole case if possible, else a single source per
whole line, else the best-scored combination - never over a line, a source's money or units,
or its per-case cap. The plan reports coverage and what is missing per line.

**Global allocation** (:mod:`matching.allocate`): rule pledges, company funds and money projects
spread over all open cases to maximize the sum of urgency x fen (shared/matching-instance.md),
exactly. It is a flow problem, solved on a network of need *classes* rather than of (source,
need) pairs (:mod:`matching.engine`):

* needs with the same (category, region, age band) form a class; sources with the same rules
  form a group; uncapped groups reach whole classes through one arc each;
* a per-case cap can bind only on cases whose demand (in the source's category, or in total)
  exceeds it. Capped sources reach the other cases through *chains* sorted by demand, and the
  binding cases through per-(source, case) gadgets added by column generation, priced with the
  LP duals of the current optimum, until no absent gadget can improve it;
* the objective weights a fen by its need's urgency only, and fundable need vectors form a
  polymatroid, so greedy by urgency is optimal: five augmenting max flows (OR-Tools) per round;
* among optimal allocations, one that fully covers more cases is preferred (an LP tie-break over
  the optimal face plus a re-dealing of interchangeable money; a heuristic for the count);
* flows are decomposed back into (source, need, amount) by interval merging.

:func:`~matching.allocate.greedy_fcfs` and :func:`~matching.allocate.greedy_urgency` are the
baselines and :func:`~matching.allocate.lp_optimum` (HiGHS over every pair) the independent exact
check; :mod:`matching.verify` checks feasibility. :mod:`matching.instance` reads and validates
instances, :mod:`matching.generate` makes synthetic ones, ``python -m matching`` runs it all.
The allocation modules import NumPy, SciPy and OR-Tools, so they are not imported here.
"""

from matching.plan import build_plan
from matching.scoring import eligible, rank, score
from matching.types import (
    Allocation,
    AllocationResult,
    Factor,
    Need,
    Plan,
    PlanItem,
    Score,
    Source,
    Weights,
)

__all__ = [
    "Allocation",
    "AllocationResult",
    "Factor",
    "Need",
    "Plan",
    "PlanItem",
    "Score",
    "Source",
    "Weights",
    "build_plan",
    "eligible",
    "rank",
    "score",
]
