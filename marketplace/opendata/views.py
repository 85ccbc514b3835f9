"""The "about the data" page of the open-data export."""

from __future__ import annotations

from flask import Blueprint, render_template

from marketplace.opendata.services import FIELDS

bp = Blueprint("opendata", __name__)


@bp.get("/open-data")
def about() -> str:
    return render_template("opendata/about.html", fields=FIELDS)
