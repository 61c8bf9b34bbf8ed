"""Deleting from a list: a plain form asks on a confirmation page first; htmx has already asked
in the browser (hx-confirm) and sends `confirm=yes`, then removes the row in place."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from mlcontinuum.web.forms import see_other
from mlcontinuum.web.templating import render


def confirmation(
    request: Request, posted: dict[str, str], *, question: str, detail: str, back: str
) -> Response | None:
    """The confirmation page, or None when the person has already confirmed."""
    if posted.get("confirm") == "yes":
        return None
    return render(
        request,
        "confirm.html",
        {
            "question": question,
            "detail": detail,
            "action": request.url.path,
            "verb": "Delete",
            "cancel": back,
        },
    )


def deleted(request: Request, back: str) -> Response:
    if request.headers.get("hx-request") == "true":
        # htmx swaps the row for this empty answer, which removes it.
        return HTMLResponse("")
    return see_other(back)
