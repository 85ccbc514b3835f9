"""Every user-facing string has a Chinese translation (the catalog is not stale)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from flask import render_template_string

from marketplace.accounts.models import OrgKind, Role
from tests.conftest import login, make_user

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
            "-k",
            "lazy_pgettext:1c,2",
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
        po = {(m.context, *_key(m.id)): _key(m.string) for m in read_po(fh) if m.id and not m.fuzzy}
    with PO.with_suffix(".mo").open("rb") as fh:
        mo = {(m.context, *_key(m.id)): _key(m.string) for m in read_mo(fh) if m.id}
    assert mo == po, "run: pybabel compile -d marketplace/translations"


def test_a_word_reads_as_what_it_names_in_chinese(ctx: Any, client: Any) -> None:
    """Issue 12 bug 7: a pledge's "Paid" read 已发放 (disbursed) and a fund's or project's
    "Name" read 姓名 (a person's name). Payouts stay 已发放 and people keep 姓名."""
    zh = {"Accept-Language": "zh-CN"}
    with ctx.test_request_context(headers=zh):
        shown = render_template_string(
            '{{ "paid"|pledge_status }} {{ pgettext("pledge", "Paid") }} '
            '{{ "paid"|payout_status }} {{ "paid"|disbursement_status }} {{ "name"|scrub_kind }}'
        )
    assert shown.split() == ["已支付", "已支付", "已发放", "已发放", "姓名"]
    ngo = make_user(Role.ngo_staff, OrgKind.ngo)
    company = make_user(Role.company_staff, OrgKind.company)
    for user, url in ((ngo, "/ngo/projects/new"), (company, "/company/funds")):
        login(client, user.email)
        page = client.get(url, headers=zh).text
        assert "名称 *" in page and "姓名" not in page


def test_marshmallow_messages_with_numbers_are_translated(ctx: Any) -> None:
    """Issue 12 bug 7: "Length must be between 1 and 12." showed in English on Chinese pages.
    marshmallow's messages that carry numbers are matched by pattern and keep their numbers."""
    from flask_babel import refresh
    from marshmallow import Schema, ValidationError, fields, validate

    from marketplace.schemas_base import translate_messages

    class Sample(Schema):
        code = fields.String(validate=validate.Length(1, 12))
        regions = fields.List(fields.String(), validate=validate.Length(max=2))
        size = fields.Integer(validate=validate.Range(1, 30))

    try:
        Sample().load({"code": "", "regions": ["1", "2", "3"], "size": 31})
    except ValidationError as exc:
        raw = exc.messages
    with ctx.test_request_context(headers={"Accept-Language": "zh-CN"}):
        zh = translate_messages(raw)
    with ctx.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the locale is cached on the app context the ctx fixture keeps open
        en = translate_messages(raw)
    assert zh == {
        "code": ["长度须在 1 至 12 之间。"],
        "regions": ["最多 2 个字符或条目。"],
        "size": ["请输入 1 至 30 之间的数值。"],
    }
    assert en["code"] == ["Length must be between 1 and 12."]
    assert en["size"] == ["Enter a value from 1 to 30."]
