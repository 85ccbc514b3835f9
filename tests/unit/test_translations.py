"""Every user-facing string has a Chinese translation (the catalog is not stale)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "marketplace/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_catalog_covers_every_marked_string(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs=.venv tests",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    missing = sorted(wanted - translated)
    assert not missing, f"run `make translations` and translate: {missing}"


def _key(value: object) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (str(value),)


def test_compiled_catalog_is_current() -> None:
    from babel.messages.mofile import read_mo

    with PO.open("rb") as fh:
        po = {_key(m.id): _key(m.string) for m in read_po(fh) if m.id and not m.fuzzy}
    with PO.with_suffix(".mo").open("rb") as fh:
        mo = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    assert mo == po, "run: pybabel compile -d marketplace/translations"
