"""Money limits every package shares (amounts are integer fen everywhere)."""

from __future__ import annotations

#: 1 fen to 10,000,000 yuan
MIN_FEN = 1
MAX_FEN = 10_000_000 * 100
