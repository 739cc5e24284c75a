"""The one way a view reaches a team's objects.

Everything belongs to a team. A view asks these helpers for an object of the current team
with at least a given role; anyone else gets a 404, never a 403, so ids do not leak. Templates
may hide buttons, but the check always lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from avatarstudio.accounts.models import Membership, Role


def require_role(request: HttpRequest, role: Role | str = Role.VIEWER) -> Membership:
    """The current team membership when its role includes ``role``; 404 otherwise."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None or not membership.can(role):
        raise Http404("No such page for this team.")
    return membership


def get_for_team_or_404[M: Model](
    request: HttpRequest,
    queryset: QuerySet[M],
    role: Role | str = Role.VIEWER,
    **lookup: Any,
) -> M:
    """One object of ``queryset`` that belongs to the current team, for ``role`` or above."""
    membership = require_role(request, role)
    return get_object_or_404(queryset, team_id=membership.team_id, **lookup)


def team_role_required(role: Role | str = Role.VIEWER) -> Callable:
    """View decorator: signed in, and the current team grants at least ``role``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(request, role)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
