"""One body-size limit per kind of upload, the same for HTML forms and the JSON API.

The app's ``MAX_CONTENT_LENGTH`` (2 MB) stays the limit of every ordinary form and API call. A
view marked with :func:`large_upload` accepts a body as large as its setting (for receipts
``RECEIPT_MAX_BYTES``) plus room for the multipart envelope. The limit is decided by the request
itself from its matched view, so it already holds when CSRF protection reads the form in a
``before_request`` hook, before the view runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Request, current_app

#: multipart boundaries, part headers and small fields (the CSRF token, a variant) besides the file
MULTIPART_ROOM = 64 * 1024

F = TypeVar("F", bound=Callable[..., Any])


def large_upload(setting: str) -> Callable[[F], F]:
    """Mark a view function (or, in a MethodView's ``decorators``, a class view) as taking a
    file of up to ``app.config[setting]`` bytes."""

    def mark(view: F) -> F:
        view.upload_limit_setting = setting  # type: ignore[attr-defined]
        return view

    return mark


def upload_limit(endpoint: str | None) -> int | None:
    """The file-size setting's value for ``endpoint`` when it is marked, else ``None``."""
    if not endpoint:
        return None
    view = current_app.view_functions.get(endpoint)
    setting = getattr(view, "upload_limit_setting", None)
    return int(current_app.config[setting]) if setting else None


class AppRequest(Request):
    """Flask's request, with the larger body limit on views marked with :func:`large_upload`."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app:
            limit = upload_limit(self.endpoint)
            if limit is not None:
                return limit + MULTIPART_ROOM
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
