"""Property-based fuzzing of every API operation from the OpenAPI document (schemathesis), as a
user of every role and anonymously, on a database holding the demo data set.

Every response goes through schemathesis' own checks: no server error, and the status code, the
content type, the body (error bodies included) and the documented headers all conform to the
OpenAPI document. The test prints the figures (requests, server errors, schema violations).

schemathesis' pytest plugin does not work with pytest 9 here, so its strategies are driven with
Hypothesis directly: derandomized (the same cases on every run), positive and negative data.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.cases.models import Case
from marketplace.demo import load_demo
from marketplace.disbursements.models import Disbursement, Receipt
from marketplace.donors.models import Pledge
from marketplace.extensions import db
from marketplace.ngos.models import Project
from marketplace.plans.models import Plan
from tests.conftest import token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

#: one demo account per role (and organization kind) of API.md, then no token at all
IDENTITIES = {
    "social_worker": "sw.shashi@demo.jjn.cn",
    "reviewer (civil affairs)": "reviewer.shashi@demo.jjn.cn",
    "reviewer (custodian)": "custodian@demo.jjn.cn",
    "ngo_staff": "ngo.sunshine@demo.jjn.cn",
    "donor": "donor@demo.jjn.cn",
    "company_staff": "csr.jingchu@demo.jjn.cn",
    "auditor": "auditor@demo.jjn.cn",
    "admin": "admin@demo.jjn.cn",
}

EXAMPLES_PER_MODE = 6

#: a third mode besides schemathesis' positive and negative data: valid cases (which get past
#: validation to the services and the database) with a control character put into one string
CONTROL = "control"
CONTROL_CHARACTERS = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\x9f"]
MODES = (GenerationMode.POSITIVE.value, GenerationMode.NEGATIVE.value, CONTROL)


def _real_path_values() -> dict[str, list[Any]]:
    """Identifiers of existing rows, so that cases also reach past the 404s."""

    def ids(model: Any) -> list[int]:
        return list(db.session.scalars(select(model.id).order_by(model.id).limit(6)))

    return {
        "ref": list(db.session.scalars(select(Case.ref).order_by(Case.id).limit(8))),
        "pledge_id": ids(Pledge),
        "project_id": ids(Project),
        "plan_id": ids(Plan),
        "disbursement_id": ids(Disbursement),
        "receipt_id": ids(Receipt),
    }


def _strategy(operation: Any, mode: GenerationMode, real: dict[str, list[Any]]) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if not names or not all(real.get(name) for name in names) or mode is GenerationMode.NEGATIVE:
        return generated
    fixed = st.fixed_dictionaries({name: st.sampled_from(real[name]) for name in names})
    return st.one_of(
        generated,
        fixed.flatmap(
            lambda values: operation.as_strategy(generation_mode=mode, path_parameters=values)
        ),
    )


def _string_slots(value: Any, slots: list[tuple[Any, Any]]) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            slots.append((value, key))
        elif isinstance(item, dict | list):
            _string_slots(item, slots)


def _with_control_character(case: Any, char: str, slot: int, at: int) -> Any:
    """The case with ``char`` put into one of its strings (path, query or body)."""
    slots: list[tuple[Any, Any]] = []
    for container in (case.path_parameters, case.query, case.body):
        if isinstance(container, dict | list):
            _string_slots(container, slots)
    if slots:
        container, key = slots[slot % len(slots)]
        text = container[key]
        position = at % (len(text) + 1)
        container[key] = text[:position] + char + text[position:]
    return case


def _strategy_for(operation: Any, mode: str, real: dict[str, list[Any]]) -> Any:
    if mode != CONTROL:
        return _strategy(operation, GenerationMode(mode), real)
    return st.builds(
        _with_control_character,
        _strategy(operation, GenerationMode.POSITIVE, real),
        st.sampled_from(CONTROL_CHARACTERS),
        st.integers(0, 63),
        st.integers(0, 63),
    )


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_mode: dict[str, Counter[int]] = field(default_factory=lambda: {m: Counter() for m in MODES})
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    no_negative: list[str] = field(default_factory=list)


def _fuzz(
    operation: Any,
    mode: str,
    real: dict[str, list[Any]],
    identities: dict[str, dict[str, str]],
    tally: Tally,
) -> None:
    """Draw cases for one operation and send each as every identity through the checks."""

    @given(case=_strategy_for(operation, mode, real))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for who, headers in identities.items():
            response = case.call(headers=headers)
            tally.requests += 1
            tally.statuses[response.status_code] += 1
            tally.per_mode[mode][response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (FailureGroup, Failure) as error:
                found = error.exceptions if isinstance(error, FailureGroup) else [error]
                for failure in found:
                    key = f"{operation.label} [{mode}]: {failure.title}"
                    tally.failures[key] += 1
                    tally.examples.setdefault(key, f"as {who}: {failure.message[:600]}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
        assert mode == GenerationMode.NEGATIVE.value, operation.label
        tally.no_negative.append(operation.label)


def test_every_operation_as_every_role_conforms(app: Any, ctx: Any) -> None:
    load_demo(n_cases=12)
    db.session.commit()
    identities: dict[str, dict[str, str]] = {
        role: token_for(db.session.scalar(select(User).where(User.email == email)))
        for role, email in IDENTITIES.items()
    }
    identities["anonymous"] = {}
    real = _real_path_values()
    db.session.commit()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 28

    tally = Tally()
    started = time.monotonic()
    for operation in operations:
        for mode in MODES:
            _fuzz(operation, mode, real, identities, tally)
    elapsed = time.monotonic() - started
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(
        f"\nschemathesis: {tally.requests} requests, {len(operations)} operations, "
        f"{len(identities)} identities, {elapsed:.0f} s; "
        f"statuses {dict(sorted(tally.statuses.items()))}; server errors {server_errors}; "
        f"by mode { ({m: dict(sorted(c.items())) for m, c in tally.per_mode.items()}) }; "
        f"check failures {sum(tally.failures.values())}; "
        f"no negative data for {len(tally.no_negative)} operations"
    )
    report = "\n".join(
        f"{n} x {key}\n    {tally.examples[key]}" for key, n in tally.failures.most_common()
    )
    assert not tally.failures, report
    assert server_errors == 0
    assert tally.requests >= 3 * len(operations) * len(identities)  # the fuzzer really ran
    assert tally.statuses[200] + tally.statuses[201] > 100  # and got past auth and validation
