"""Every URL of the project, for every kind of visitor, answers as this table says.

The URL patterns are read from the resolver, so a URL added without a row here fails. Each
pattern is requested by an anonymous visitor, an outsider (signed in, in no team but their
own), and a viewer, member, admin and owner of the team that owns the objects in the URL.
Each request runs in a transaction that is rolled back, so one visitor's POST does not
change what the next one finds.

"Outsider" deserves a word: on team-wide pages (the members page, team settings) the outsider
sees their own personal team, where they are the owner. On anything that names an object of
the other team they get a 404, never a 403, so ids do not leak.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from avatarstudio.accounts.models import Role
from avatarstudio.studio.pipeline import inputs
from tests.helpers import client_for, client_in
from tests.world import IN_TEAM, VISITORS, Route, World, clients, routes


@dataclass
class Expect:
    statuses: dict[str, int]
    method: str = "GET"
    kwargs: Callable[[World], dict[str, Any]] = lambda world: {}
    data: Callable[[World], dict[str, Any]] = lambda world: {}
    headers: dict[str, str] = field(default_factory=dict)


def same(status: int) -> dict[str, int]:
    return dict.fromkeys(VISITORS, status)


def signed_in(status: int, anonymous: int = 302) -> dict[str, int]:
    return {"anonymous": anonymous} | dict.fromkeys(VISITORS[1:], status)


def team_object(minimum: Role, allowed: int, refused: int = 404) -> dict[str, int]:
    """An object of the team: sign-in first, then 404 unless the role includes ``minimum``."""
    roles = {name: allowed if Role(name).includes(minimum) else refused for name in IN_TEAM}
    return {"anonymous": 302, "outsider": 404} | roles


def team_page(minimum: Role, allowed: int) -> dict[str, int]:
    """A page about the current team; the outsider sees their own team, as its owner."""
    return team_object(minimum, allowed) | {"outsider": allowed}


def clip_pk(world: World) -> dict[str, Any]:
    return {"pk": world.clip.pk}


def trashed_pk(world: World) -> dict[str, Any]:
    return {"pk": world.trashed_clip.pk}


def avatar_pk(world: World) -> dict[str, Any]:
    return {"pk": world.avatar.pk}


def consent_pk(world: World) -> dict[str, Any]:
    return {"pk": world.avatar.consent_id}


def batch_pk(world: World) -> dict[str, Any]:
    return {"pk": world.batch.pk}


def membership_of(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"pk": world.membership(name).pk}


OWN_CLIP = team_object(Role.MEMBER, 302)  # the clips here are the member's own

EXPECTATIONS: dict[str, Expect] = {
    "healthz": Expect(same(200)),
    "healthz_deep": Expect(same(404)),
    # Accounts (allauth), then the admin.
    "account_login": Expect(signed_in(302, anonymous=200)),
    "account_logout": Expect(signed_in(200)),
    "account_inactive": Expect(same(200)),
    "account_signup": Expect(signed_in(302, anonymous=200)),
    "account_reauthenticate": Expect(signed_in(200)),
    "account_email": Expect(signed_in(200)),
    "account_email_verification_sent": Expect(same(200)),
    "account_change_password": Expect(signed_in(200)),
    "account_set_password": Expect(signed_in(302)),
    "account_reset_password": Expect(same(200)),
    "account_confirm_login_code": Expect(same(302)),
    "account_confirm_email": Expect(same(200), kwargs=lambda world: {"key": "not-a-key"}),
    "account_reset_password_from_key_done": Expect(same(200)),
    "account_reset_password_from_key": Expect(
        same(200), kwargs=lambda world: {"uidb36": "1", "key": "not-a-key"}
    ),
    "account_reset_password_done": Expect(same(200)),
    # Teams: switching, creating, and the team pages.
    "switch_team": Expect(
        team_object(Role.VIEWER, 302),
        method="POST",
        data=lambda world: {"team": world.team.pk},
    ),
    "teams:create": Expect(signed_in(200)),
    "teams:members": Expect(team_page(Role.VIEWER, 200)),
    "teams:invite": Expect(
        team_page(Role.ADMIN, 302),
        method="POST",
        data=lambda world: {"email": "new@example.com", "role": "member"},
    ),
    "teams:create_link": Expect(
        team_page(Role.ADMIN, 302), method="POST", data=lambda world: {"role": "viewer", "days": 7}
    ),
    "teams:revoke_invitation": Expect(
        team_object(Role.ADMIN, 302),
        method="POST",
        kwargs=lambda world: {"pk": world.invitation.pk},
    ),
    "teams:change_role": Expect(
        team_object(Role.ADMIN, 302) | {"viewer": 404},
        method="POST",
        kwargs=membership_of("viewer"),
        data=lambda world: {"role": "member"},
    ),
    "teams:remove_member": Expect(
        team_object(Role.ADMIN, 302), method="POST", kwargs=membership_of("viewer")
    ),
    "teams:transfer": Expect(
        team_object(Role.OWNER, 302), method="POST", kwargs=membership_of("member")
    ),
    "teams:member_limit": Expect(
        team_object(Role.ADMIN, 302),
        method="POST",
        kwargs=membership_of("member"),
        data=lambda world: {"monthly_limit_seconds": 60},
    ),
    # Everyone signed in may try to leave; an owner is told to hand the team over first.
    "teams:leave": Expect(signed_in(302), method="POST"),
    "teams:settings": Expect(team_page(Role.ADMIN, 200)),
    "teams:api_key": Expect(
        team_page(Role.ADMIN, 302), method="POST", data=lambda world: {"api_key": "sk-new-key-1234"}
    ),
    "teams:test_key": Expect(team_page(Role.ADMIN, 302), method="POST"),
    "studio:usage": Expect(team_page(Role.ADMIN, 200)),
    "teams:audit": Expect(team_page(Role.ADMIN, 200)),
    # Only the owner may delete; the outsider's own team is personal, so they are sent back.
    "teams:delete": Expect(team_object(Role.OWNER, 200) | {"outsider": 302}),
    "teams:invitation": Expect(same(200), kwargs=lambda world: {"token": world.invitation.token}),
    # The studio.
    "dashboard": Expect(same(200)),
    "studio:create": Expect(team_page(Role.MEMBER, 200)),
    "studio:generation": Expect(
        team_object(Role.VIEWER, 200), kwargs=lambda world: {"pk": world.generation.pk}
    ),
    "studio:preview_voice": Expect(
        team_page(Role.MEMBER, 200),
        method="POST",
        data=lambda world: (
            {"script": "Hello there, and welcome to the show.", "speed": "1.0"}
            | {"tts_voice": "en:genshin_vindi2"}
        ),
    ),
    "studio:check_photo": Expect(team_page(Role.MEMBER, 200), method="POST"),
    "studio:check_voice": Expect(team_page(Role.MEMBER, 200), method="POST"),
    "studio:voice_audio": Expect(
        team_object(Role.VIEWER, 200), kwargs=lambda world: {"pk": world.voice.pk}
    ),
    "studio:retry": Expect(
        team_object(Role.MEMBER, 302),
        method="POST",
        kwargs=lambda world: {"pk": world.generation.pk},
    ),
    # The provider's callback and input links carry their own secret; sessions do not matter.
    "studio:kling_hook": Expect(
        same(204),
        method="POST",
        kwargs=lambda world: {"token": world.generation.callback_token},
    ),
    # Prometheus scrapes with its own token; without it, nobody learns the page exists.
    "studio:metrics": Expect(same(404)),
    "studio:signed_input": Expect(
        same(200),
        kwargs=lambda world: {
            "token": inputs.signed_url(world.generation.photo.name).split("/")[-2]
        },
    ),
    "studio:save_as_avatar": Expect(
        team_object(Role.MEMBER, 200), kwargs=lambda world: {"pk": world.generation.pk}
    ),
    # Avatars and their consent: the avatar is the member's; its consent document is private
    # to admins and the member who gave it.
    "avatars:list": Expect(team_page(Role.VIEWER, 200)),
    "avatars:new": Expect(team_page(Role.MEMBER, 200)),
    "avatars:detail": Expect(team_object(Role.VIEWER, 200), kwargs=avatar_pk),
    "avatars:edit": Expect(team_object(Role.MEMBER, 200), kwargs=avatar_pk),
    "avatars:delete": Expect(team_object(Role.MEMBER, 302), method="POST", kwargs=avatar_pk),
    "avatars:photo": Expect(team_object(Role.VIEWER, 200), kwargs=avatar_pk),
    "avatars:voice": Expect(team_object(Role.VIEWER, 200), kwargs=avatar_pk),
    "avatars:consent": Expect(team_object(Role.VIEWER, 200), kwargs=consent_pk),
    "avatars:consent_withdraw": Expect(
        team_object(Role.ADMIN, 302), method="POST", kwargs=consent_pk
    ),
    "avatars:consent_document": Expect(team_object(Role.MEMBER, 200), kwargs=consent_pk),
    # Batches: the world's batch has started, with one row not made yet.
    "batches:list": Expect(team_page(Role.VIEWER, 200)),
    "batches:new": Expect(team_page(Role.MEMBER, 200)),
    "batches:detail": Expect(team_object(Role.VIEWER, 200), kwargs=batch_pk),
    "batches:start": Expect(team_object(Role.MEMBER, 302), method="POST", kwargs=batch_pk),
    "batches:discard": Expect(team_object(Role.MEMBER, 302), method="POST", kwargs=batch_pk),
    "batches:retry": Expect(team_object(Role.MEMBER, 302), method="POST", kwargs=batch_pk),
    # No clip of it is ready: everyone who may see it is sent back to its page.
    "batches:download": Expect(team_object(Role.VIEWER, 302), kwargs=batch_pk),
    # The library.
    "library:list": Expect(team_page(Role.VIEWER, 200)),
    "library:trash": Expect(team_page(Role.VIEWER, 200)),
    "library:clip": Expect(team_object(Role.VIEWER, 200), kwargs=clip_pk),
    "library:rename": Expect(
        OWN_CLIP, method="POST", kwargs=clip_pk, data=lambda world: {"title": "Renamed"}
    ),
    "library:favourite": Expect(team_object(Role.VIEWER, 302), method="POST", kwargs=clip_pk),
    "library:move_to_trash": Expect(OWN_CLIP, method="POST", kwargs=clip_pk),
    "library:restore": Expect(OWN_CLIP, method="POST", kwargs=trashed_pk),
    "library:delete_forever": Expect(OWN_CLIP, method="POST", kwargs=trashed_pk),
    "library:share": Expect(OWN_CLIP, method="POST", kwargs=clip_pk),
    "library:revoke_share": Expect(
        OWN_CLIP,
        method="POST",
        kwargs=lambda world: {"pk": world.clip.pk, "link_id": world.share_link.pk},
    ),
    # Members comment, reviewers (and admins, and the owner) decide; the maker (or an admin)
    # asks for another look, which the world's clip, needing no review, answers with a message.
    "library:comment": Expect(
        team_object(Role.MEMBER, 302),
        method="POST",
        kwargs=clip_pk,
        data=lambda world: {"text": "Lovely pacing."},
    ),
    "library:review": Expect(
        team_object(Role.REVIEWER, 302),
        method="POST",
        kwargs=clip_pk,
        data=lambda world: {"decision": "approved"},
    ),
    "library:review_again": Expect(OWN_CLIP, method="POST", kwargs=clip_pk),
    "library:video": Expect(team_object(Role.VIEWER, 200), kwargs=clip_pk),
    "library:poster": Expect(team_object(Role.VIEWER, 200), kwargs=clip_pk),
    "library:download": Expect(team_object(Role.VIEWER, 200), kwargs=clip_pk),
    "library:photo": Expect(team_object(Role.VIEWER, 200), kwargs=clip_pk),
    "library:voice": Expect(team_object(Role.VIEWER, 200), kwargs=clip_pk),
    "shared_clip": Expect(same(200), kwargs=lambda world: {"token": world.share_link.token}),
    "shared_video": Expect(same(200), kwargs=lambda world: {"token": world.share_link.token}),
    "shared_poster": Expect(same(200), kwargs=lambda world: {"token": world.share_link.token}),
}

# Django's admin is for staff only, and nobody here is staff: every admin URL but its sign-in
# page sends every visitor to that page, which sends a visitor not signed in on to the site's
# own (rate-limited) sign-in, and tells one who is that they are not staff.
ADMIN_NAMESPACE = "admin"
ADMIN_SIGN_IN = "admin:login"


def admin_expectation(route: Route) -> Expect:
    return Expect(signed_in(200) if route.key == ADMIN_SIGN_IN else same(302))


ALL_ROUTES = list(routes())


def sample_path(route: Route) -> str:
    """A concrete path for an unnamed or admin pattern: each parameter becomes "1"."""
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route.route)
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "auth", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def path_for(route: Route, expect: Expect | None, world: World) -> str:
    if route.name and route.namespace != ADMIN_NAMESPACE:
        return reverse(route.name, kwargs=expect.kwargs(world))
    return sample_path(route)


@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda route: route.key)
@pytest.mark.django_db(transaction=True)
def test_every_url_answers_each_visitor_as_the_table_says(route: Route, world: World):
    if route.namespace == ADMIN_NAMESPACE:
        expect = admin_expectation(route)
    else:
        assert route.key in EXPECTATIONS, (
            f"{route.key} ({route.route}) has no row in the access matrix: add one to "
            "EXPECTATIONS in tests/test_access_matrix.py saying who may reach it"
        )
        expect = EXPECTATIONS[route.key]
    path = path_for(route, expect, world)
    answered = {}
    for visitor, client in clients(world).items():
        with transaction.atomic():
            request = client.post if expect.method == "POST" else client.get
            response = request(path, expect.data(world), headers=expect.headers)
            answered[visitor] = response.status_code
            transaction.set_rollback(True)
    assert answered == expect.statuses, f"{expect.method} {path}"


def test_the_table_has_no_rows_for_urls_that_are_gone():
    keys = {route.key for route in ALL_ROUTES}
    assert set(EXPECTATIONS) - keys == set()


def test_the_admin_is_refused_to_a_team_owner_who_is_not_staff(world):
    response = client_in(world.team, world.users["owner"]).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_lives_at_the_operators_path_not_the_well_known_one(world):
    assert reverse("admin:index") == "/operator/"
    assert client_in(world.team, world.users["owner"]).get("/admin/").status_code == 404


def test_uuids_of_the_other_team_are_not_found_rather_than_forbidden(world):
    stranger = client_for(world.users["outsider"])
    assert stranger.get(f"/library/{world.clip.pk}/").status_code == 404
    assert stranger.get(f"/library/{uuid.uuid4()}/").status_code == 404
