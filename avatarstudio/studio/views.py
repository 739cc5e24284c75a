from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from avatarstudio.accounts.access import require_role


def home(request: HttpRequest) -> HttpResponse:
    """The team's dashboard for a signed-in user; a welcome page for a visitor."""
    if not request.user.is_authenticated:
        return TemplateResponse(request, "studio/welcome.html")
    membership = require_role(request)
    return TemplateResponse(request, "studio/dashboard.html", {"membership": membership})
