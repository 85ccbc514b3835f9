"""PII vault: encryption round trip, key rotation (service and CLI), ID normalization and index."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from marketplace.accounts.models import Role
from marketplace.cases import vault
from marketplace.extensions import db
from tests.conftest import case_payload, make_user, token_for


def test_round_trip(ctx: Any) -> None:
    token = vault.encrypt("王秀英 13912345678")
    assert token != "王秀英 13912345678" and token.startswith("gAAAA")
    assert vault.decrypt(token) == "王秀英 13912345678"


def test_each_encryption_is_different(ctx: Any) -> None:
    assert vault.encrypt("same") != vault.encrypt("same")


def test_wrong_key_cannot_read(ctx: Any) -> None:
    token = vault.encrypt("secret")
    old = ctx.config["PII_ENCRYPTION_KEY"]
    ctx.config["PII_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    try:
        with pytest.raises(InvalidToken):
            vault.decrypt(token)
    finally:
        ctx.config["PII_ENCRYPTION_KEY"] = old


def test_rotation_command_reencrypts_under_new_key(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    old_key = ctx.config["PII_ENCRYPTION_KEY"]
    new_key = Fernet.generate_key().decode()
    before = db.session.execute(text("SELECT name FROM case_private")).scalar_one()
    ctx.config["PII_ENCRYPTION_KEY"] = f"{new_key},{old_key}"
    try:
        result = ctx.test_cli_runner().invoke(args=["pii", "rotate"])
        assert result.exit_code == 0, result.output
        assert "re-encrypted 4" in result.output  # the private part, the case, 2 need lines
        db.session.rollback()
        after = db.session.execute(text("SELECT name FROM case_private")).scalar_one()
        assert after != before
        # readable with the new key alone; the old key alone no longer reads it
        assert Fernet(new_key.encode()).decrypt(after.encode()).decode() == "王秀英"
        with pytest.raises(InvalidToken):
            Fernet(old_key.encode()).decrypt(after.encode())
        # the typed free text is rotated too
        summary, line = db.session.execute(
            text(
                "SELECT summary, description FROM cases JOIN need_lines "
                "ON need_lines.case_id = cases.id ORDER BY need_lines.position LIMIT 1"
            )
        ).one()
        new = Fernet(new_key.encode())
        assert new.decrypt(summary.encode()).decode() == case_payload()["summary"]
        assert new.decrypt(line.encode()).decode() == "住院自付费用,直接支付医院"
        ctx.config["PII_ENCRYPTION_KEY"] = new_key
        private = client.get(f"/api/v1/cases/{ref}/private", headers=sw)
        assert private.status_code == 200 and private.json["name"] == "王秀英"
    finally:
        ctx.config["PII_ENCRYPTION_KEY"] = old_key


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("42100219800101100x", "42100219800101100X"),
        ("421002 1980 0101 100X", "42100219800101100X"),
        ("４２１００２１９８００１０１１００Ｘ", "42100219800101100X"),
        ("421002800101100", "42100219800101100X"),  # 15-digit legacy -> 18 digits
    ],
)
def test_normalize_id_number(raw: str, normalized: str) -> None:
    assert vault.normalize_id_number(raw) == normalized


def test_id_validation() -> None:
    assert vault.is_valid_id_number("42100219800101100X")
    assert not vault.is_valid_id_number("421002198001011001")  # wrong check character
    assert not vault.is_valid_id_number("42100219801301100X")  # month 13


def test_index_is_keyed_and_normalized(ctx: Any) -> None:
    a = vault.id_index("42100219800101100X")
    assert a == vault.id_index("421002 19800101100x") and len(a) == 64
    assert "42100219800101100X" not in a
    old = ctx.config["PII_INDEX_KEY"]
    ctx.config["PII_INDEX_KEY"] = "another-key"
    try:
        assert vault.id_index("42100219800101100X") != a
    finally:
        ctx.config["PII_INDEX_KEY"] = old
    assert vault.id_index("") is None and vault.id_index(None) is None


def test_rotation_covers_every_encrypted_column() -> None:
    """A new EncryptedText column must be listed for ``flask pii rotate``."""
    from marketplace.cases.rotation import ENCRYPTED_COLUMNS

    encrypted = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, vault.EncryptedText)
    }
    listed = {(table, c) for table, (_, columns) in ENCRYPTED_COLUMNS.items() for c in columns}
    assert encrypted == listed
    assert ("cases", "summary") in encrypted and ("need_lines", "description") in encrypted
