"""Sets ``request.membership`` and ``request.team``: the team chosen in the header switcher."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from avatarstudio.accounts.models import Membership
from avatarstudio.core.logs import log_context

SESSION_KEY = "team_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the team kept in the session, falling back to the personal team.

    One query fetches all of the user's memberships (a handful); the header's team switcher
    lists them from ``request.memberships`` without asking again.
    """
    if not request.user.is_authenticated:
        request.memberships = []
        return None
    memberships = sorted(
        Membership.objects.for_user(request.user),
        key=lambda m: (not m.team.is_personal, m.team.name.lower(), m.team_id),
    )
    request.memberships = memberships
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        for membership in memberships:
            if membership.team_id == chosen:
                return membership
        del request.session[SESSION_KEY]  # the user left that team or it was deleted
    return memberships[0] if memberships else None


def choose_team(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = membership.team_id
    request.membership = membership
    request.team = membership.team


class TeamMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership
        request.team = membership.team if membership else None
        with log_context(team_id=membership.team_id if membership else None):
            return self.get_response(request)
