"""The access helper: objects of the current team for a role, a 404 for everyone else."""

from __future__ import annotations

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from avatarstudio.accounts.access import get_for_team_or_404, require_role, team_role_required
from avatarstudio.accounts.middleware import current_membership
from avatarstudio.accounts.models import Membership, Role


def request_as(user, team=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {"team_id": team.pk} if team else {}
    request.membership = current_membership(request)
    request.team = request.membership.team if request.membership else None
    return request


def test_a_member_gets_an_object_of_their_team(team, member):
    request = request_as(member, team)
    found = get_for_team_or_404(request, Membership.objects.all(), user=member)
    assert found.team == team


def test_an_outsider_gets_404_for_another_teams_object(team, member, outsider):
    target = Membership.objects.get(team=team, user=member)
    with pytest.raises(Http404):
        get_for_team_or_404(request_as(outsider), Membership.objects.all(), pk=target.pk)


def test_a_member_gets_404_for_an_object_of_a_team_they_did_not_choose(team, member, owner):
    # The member's current team is their personal one, so the shared team's rows are hidden.
    target = Membership.objects.get(team=team, user=owner)
    with pytest.raises(Http404):
        get_for_team_or_404(request_as(member), Membership.objects.all(), pk=target.pk)


def test_a_role_below_the_one_needed_gets_404(team, viewer):
    request = request_as(viewer, team)
    with pytest.raises(Http404):
        get_for_team_or_404(request, Membership.objects.all(), role=Role.MEMBER, user=viewer)
    assert require_role(request, Role.VIEWER).role == Role.VIEWER


def test_an_owner_passes_every_role_check(team, owner):
    request = request_as(owner, team)
    for role in Role:
        assert require_role(request, role).team == team


def test_the_decorator_sends_anonymous_visitors_to_sign_in(db):
    from django.contrib.auth.models import AnonymousUser

    @team_role_required(Role.MEMBER)
    def view(request):
        return HttpResponse("ok")

    request = request_as(AnonymousUser())
    response = view(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_decorator_answers_404_to_a_viewer_and_runs_for_a_member(team, viewer, member):
    @team_role_required(Role.MEMBER)
    def view(request):
        return HttpResponse("ok")

    with pytest.raises(Http404):
        view(request_as(viewer, team))
    assert view(request_as(member, team)).content == b"ok"
