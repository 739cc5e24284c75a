from __future__ import annotations

import pytest

from avatarstudio.accounts.models import Membership, Role, Team
from tests.helpers import make_user


@pytest.mark.django_db
def test_every_new_user_owns_a_personal_team():
    user = make_user("ada@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.team.is_personal
    assert membership.team.name == "ada's team"


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.OWNER, Role.ADMIN, True),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.MEMBER, Role.ADMIN, False),
        (Role.MEMBER, Role.MEMBER, True),
        (Role.VIEWER, Role.MEMBER, False),
        (Role.VIEWER, Role.VIEWER, True),
    ],
)
def test_a_role_includes_the_roles_below_it(role, needed, allowed):
    assert Role(role).includes(needed) is allowed


@pytest.mark.django_db
def test_teams_for_user_lists_only_their_teams(team, member, outsider):
    personal = Team.objects.personal_for(member)
    assert set(Team.objects.for_user(member)) == {team, personal}
    assert team not in Team.objects.for_user(outsider)


@pytest.mark.django_db
def test_a_user_cannot_join_the_same_team_twice(team, member):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Membership.objects.create(team=team, user=member, role=Role.VIEWER)
