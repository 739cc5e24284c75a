"""Answers a status card's poll with ``204 No Content`` when the card has not changed.

It runs before the session and the team middleware: an unchanged card costs one signature
check and one cache read (``cards.is_unchanged``). Every other request goes on as before.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from avatarstudio.studio import cards, metrics

POLL_PARAMETER = "seen"


class UnchangedCardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request.GET.get(POLL_PARAMETER) if request.method == "GET" else None
        if token and cards.is_unchanged(request, token):
            metrics.count_poll(unchanged=True)
            response = HttpResponse(status=204)
            response["Cache-Control"] = "private, no-store"
            return response
        return self.get_response(request)
