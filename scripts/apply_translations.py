"""Fill Chinese translations into the catalog from a JSON object {msgid: msgstr}, then compile.

Usage: make translations; python scripts/apply_translations.py NEW.json
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = (
    Path(__file__).resolve().parent.parent
    / "marketplace/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
)


def main(path: str) -> None:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in table:
            message.string = table[key] if isinstance(message.id, str) else (table[key],)
    catalog.obsolete.clear()
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(PO.parents[2])],
        check=True,
    )
    print(f"untranslated: {missing}" if missing else "catalog complete")


if __name__ == "__main__":
    main(sys.argv[1])
