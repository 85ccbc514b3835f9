"""Trace the project files one request passes through (a core flow, down to the ledger).

``FlowTrace`` installs a profile hook for the duration of one request and records, at every call
into a project function (``marketplace/`` or ``matching/``; shared infrastructure modules, table
classes and column types left out), which project file called it. Figures:

- *hops*: distinct caller-file -> callee-file calls; a reader following the whole request end to
  end crosses each once;
- *longest chain*: file-to-file moves on the deepest call stack, from the entry point down;
- *back up*: calls from a lower package or layer into a higher one (docs/architecture.md).

The flow must reach the ledger's one write path (``post_entry``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: leaf helpers every layer may use; a call into them is not a step of the flow
INFRASTRUCTURE = {
    "marketplace/config.py",
    "marketplace/db_types.py",
    "marketplace/errors.py",
    "marketplace/extensions.py",
    "marketplace/forms.py",
    "marketplace/i18n.py",
    "marketplace/input_guard.py",
    "marketplace/logging_setup.py",
    "marketplace/schemas_base.py",
    "marketplace/security.py",
    "marketplace/state_machine.py",
    "marketplace/templating.py",
    "marketplace/uploads.py",
    "marketplace/utils.py",
}


#: table classes and column types: code SQLAlchemy runs while loading and saving rows. A call into
#: them is data access, not a step of the flow
DATA = ("models.py", "vault.py")


def _project_file(filename: str) -> str | None:
    try:
        rel = Path(filename).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None
    if not rel.startswith(("marketplace/", "matching/")) or rel in INFRASTRUCTURE:
        return None
    if rel.endswith(DATA):
        return None
    return rel


#: packages from the top of the architecture to the bottom (docs/architecture.md); a call from a
#: lower package into a higher one is a call "back up"
PACKAGE_RANK = {
    "marketplace/public": 9,
    "marketplace/jobs": 9,
    "marketplace/transparency": 8,
    "marketplace/opendata": 8,
    "marketplace/reports": 8,
    "marketplace/disbursements": 7,
    "marketplace/plans": 6,
    "marketplace/donors": 5,
    "marketplace/ngos": 5,
    "marketplace/payments": 4,
    "marketplace/cases": 3,
    "marketplace/notifications": 2,
    "marketplace/accounts": 2,
    "marketplace/audit": 1,
    "marketplace/ledger": 0,
    "matching": 0,
}
WEB = ("views", "api", "webhooks", "schemas", "forms")


def _package(rel: str) -> str:
    return rel.rsplit("/", 1)[0]


def rank(rel: str) -> tuple[int, int]:
    """(package rank, layer in the package: 2 web, 1 services, 0 models) of a project file."""
    package = next((p for p in PACKAGE_RANK if rel.startswith(p + "/")), "")
    stem = rel.rsplit("/", 1)[-1].removesuffix(".py")
    layer = 2 if stem in WEB else 0 if stem == "models" else 1
    return PACKAGE_RANK.get(package, 10), layer


@dataclass
class FlowTrace:
    """Record the file-to-file calls of one whole request (which must reach the ledger write).

    ``hops`` counts the distinct caller-file -> callee-file calls (a reader following the flow
    crosses each once), ``files`` the project files entered, ``back_up`` the hops from a lower
    package or layer into a higher one.
    """

    target: str = "post_entry"
    files: list[str] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    reached: bool = False
    #: the longest chain of files on the stack seen during the request (from the entry point)
    deepest: list[str] = field(default_factory=list)
    _cache: dict[str, str | None] = field(default_factory=dict)

    def _rel(self, filename: str) -> str | None:
        if filename not in self._cache:
            self._cache[filename] = _project_file(filename)
        return self._cache[filename]

    def _caller(self, frame: FrameType) -> str | None:
        back = frame.f_back
        while back is not None:
            rel = self._rel(back.f_code.co_filename)
            if rel is not None:
                return rel
            back = back.f_back
        return None

    def _chain(self, frame: FrameType | None) -> list[str]:
        chain: list[str] = []
        while frame is not None:
            rel = self._rel(frame.f_code.co_filename)
            if rel is not None and (not chain or chain[-1] != rel):
                chain.append(rel)
            frame = frame.f_back
        return chain[::-1]

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        rel = self._rel(frame.f_code.co_filename)
        if rel is None:
            return
        if rel not in self.files:
            self.files.append(rel)
        caller = self._caller(frame)
        if caller is not None and caller != rel and (caller, rel) not in self.edges:
            self.edges.append((caller, rel))
        if caller is not None and caller != rel:
            chain = self._chain(frame)
            if len(chain) > len(self.deepest):
                self.deepest = chain
        if not self.reached and frame.f_code.co_name == self.target:
            self.reached = True

    def __enter__(self) -> FlowTrace:
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)

    @property
    def hops(self) -> int:
        assert self.reached, f"the flow never reached {self.target}"
        return len(self.edges)

    @property
    def package_hops(self) -> int:
        """Distinct calls from one package into another (calls inside a package left out)."""
        return len(
            {(_package(a), _package(b)) for a, b in self.edges if _package(a) != _package(b)}
        )

    @property
    def depth(self) -> int:
        """File-to-file moves on the longest call chain (how far down one step reaches)."""
        return len(self.deepest) - 1

    @property
    def back_up(self) -> list[tuple[str, str]]:
        return [(a, b) for a, b in self.edges if rank(b) > rank(a)]

    def report(self, name: str) -> str:
        lines = [
            f"{name}: {len(self.files)} files, {self.hops} hops "
            f"({self.package_hops} between packages), "
            f"{len(self.back_up)} back up a layer, longest chain {self.depth} hops: "
            + " -> ".join(self.deepest)
        ]
        lines += [
            f"    {a} -> {b}" + ("   (back up)" if (a, b) in self.back_up else "")
            for a, b in self.edges
        ]
        return "\n".join(lines)
