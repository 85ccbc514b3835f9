"""Peak memory of checking a small-file, many-pixel PNG (a decompression bomb) as a receipt.

Run from the repository root: ``python benchmarks/uploads/receipt_memory.py [CHECKOUT]``
(``CHECKOUT``: another copy of the repository to measure instead, e.g. the code before a change).
Each image is checked in a fresh subprocess, which reports its peak resident set size
(``ru_maxrss``) before and after ``receipts.clean``: the growth is what the check cost, beyond the
interpreter, the imports and the file's own bytes.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

IMAGES = {
    "bomb": (7300, 5440),  # 39.7 megapixels, refused
    "at the limit": (5770, 4330),  # 24.98 megapixels, accepted
}

CHILD = r"""
import json, resource, sys
from marketplace.disbursements import receipts

data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    receipts.clean(data, 10 * 1024 * 1024)
    outcome = "accepted"
except receipts.ReceiptRejected as exc:
    outcome = "refused (" + exc.code + ")"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "before": before, "after": after}))
"""


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(out, "PNG", optimize=True)
    return out.getvalue()


def measure(data: bytes, code: Path) -> dict[str, object]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHILD], input=data, capture_output=True, check=True, cwd=code
    )
    return json.loads(result.stdout)


def main() -> None:
    code = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    for label, (width, height) in IMAGES.items():
        data = png(width, height)
        got = measure(data, code)
        check_mb = (got["after"] - got["before"]) / 1024
        print(
            f"{label}: PNG {width}x{height} ({width * height / 1e6:.1f} Mpx, "
            f"{len(data) / 1024:.0f} KB): {got['outcome']}; peak RSS "
            f"{got['after'] / 1024:.0f} MB, of which the check {check_mb:.0f} MB"
        )


if __name__ == "__main__":
    main()
