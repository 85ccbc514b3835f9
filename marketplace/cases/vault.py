"""The PII vault: private case fields encrypted at rest, and the keyed resident-ID index.

Keys come from configuration. ``PII_ENCRYPTION_KEY`` is a comma-separated list of Fernet keys: the
first encrypts, all decrypt (MultiFernet). To rotate: put the new key first, run
``flask --app marketplace pii rotate``, then drop the old key. ``PII_INDEX_KEY`` keys the HMAC of
normalized resident ID numbers used to find the same person in two open cases.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator
from stdnum.cn import ric


def _fernet() -> MultiFernet:
    keys = current_app.config["PII_ENCRYPTION_KEY"]
    cache = current_app.extensions.setdefault("pii_fernet", {})
    if keys not in cache:
        cache.clear()
        cache[keys] = MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])
    return cache[keys]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the first (newest) key."""
    return _fernet().rotate(token.encode()).decode()


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token; reads return the clear text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value)


def normalize_id_number(value: str) -> str:
    """NFKC, drop separators, upper-case X; a 15-digit legacy number becomes its 18-digit form."""
    text = unicodedata.normalize("NFKC", value).upper()
    text = "".join(ch for ch in text if ch.isalnum())
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]
        text = body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
    return text


def is_valid_id_number(value: str) -> bool:
    """Length, digits, GB 11643 check character and a real birth date (after normalizing).

    The birth place is not checked: division codes change and old IDs keep their old codes.
    """
    number = normalize_id_number(value)
    if len(number) != 18 or not number[:-1].isdigit():
        return False
    if number[-1] != ric.calc_check_digit(number):
        return False
    try:
        ric.get_birth_date(number)
    except ValueError:
        return False
    return True


def id_index(value: str | None) -> str | None:
    """Keyed hash (HMAC-SHA256) of a normalized resident ID number, or None when absent."""
    if not value or not value.strip():
        return None
    key = current_app.config["PII_INDEX_KEY"].encode()
    return hmac.new(key, normalize_id_number(value).encode(), hashlib.sha256).hexdigest()
