from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from avatarstudio.accounts.middleware import choose_team
from avatarstudio.accounts.models import Membership


def _safe_next(request: HttpRequest, fallback: str = "dashboard") -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def switch_team(request: HttpRequest) -> HttpResponse:
    """Make another of the user's teams the current one (outsiders get a 404)."""
    membership = get_object_or_404(
        Membership.objects.for_user(request.user), team_id=request.POST.get("team")
    )
    choose_team(request, membership)
    messages.success(request, f"You are now working in {membership.team.name}.")
    return redirect(_safe_next(request))
