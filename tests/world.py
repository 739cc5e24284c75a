"""The standing world that the URL-wide tests request every page in, and the URL patterns.

A team with one user of each role and an outsider (signed in, in no team but their own), and
one object of every kind a URL can name: a clip with a generation behind it, a clip in the
trash, a share link, an invitation, a recorded voice, a saved avatar with its consent (and a
signed document), and a started batch. The access matrix
(tests/test_access_matrix.py) and the fuzz test (tests/test_fuzz.py) both walk
``routes()``, so a URL added to the project is covered by both without editing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from avatarstudio.accounts.models import Invitation, Membership, Role, Team
from avatarstudio.avatars.models import Avatar
from avatarstudio.batches.models import Batch, BatchRow
from avatarstudio.library.models import ShareLink
from avatarstudio.studio.models import Generation, Status, Voice, VoiceKind
from tests.avatars.helpers import make_avatar
from tests.helpers import client_for, client_in, join, make_user
from tests.library.helpers import make_clip
from tests.studio.helpers import start_generation

VISITORS = ("anonymous", "outsider", "viewer", "member", "admin", "owner")
IN_TEAM = ("viewer", "member", "admin", "owner")


@dataclass
class World:
    team: Team
    users: dict[str, Any]
    clip: Any
    trashed_clip: Any
    generation: Any
    share_link: ShareLink
    invitation: Invitation
    voice: Voice
    avatar: Avatar
    batch: Batch

    def membership(self, name: str) -> Membership:
        return Membership.objects.get(team=self.team, user=self.users[name])


def make_world(team: Team, owner) -> World:
    """The objects are the member's: they made the clips, the generation and the link."""
    users = {"owner": owner}
    for name in ("viewer", "member", "admin"):
        users[name] = join(team, Role(name))
    users["outsider"] = make_user("outsider@example.com")
    clip = make_clip(team, users["member"], "Launch")
    generation = start_generation(team, users["member"])
    clip.generation = generation
    clip.save()
    Generation.objects.filter(pk=generation.pk).update(status=Status.READY)  # made: its clip
    trashed = make_clip(team, users["member"], "Old")
    trashed.move_to_trash()
    link = ShareLink.objects.create(clip=clip, created_by=users["member"])
    invitation = Invitation.issue(Membership.objects.get(team=team, user=owner), Role.VIEWER)
    voice = Voice(team=team, kind=VoiceKind.RECORDING, duration=3.0)
    voice.audio.save("recording.m4a", ContentFile(b"m4a!"))
    avatar = make_avatar(team, users["member"], "Ana", voice_kind="sample")
    avatar.voice_sample.save("sample.m4a", ContentFile(b"m4a!"))
    avatar.consent.document.save("document.pdf", ContentFile(b"%PDF-1.4"))
    batch = Batch.objects.create(
        team=team, created_by=users["member"], name="Launch", started_at=timezone.now()
    )
    BatchRow.objects.create(batch=batch, number=2, avatar=avatar, script="Hello there, all.")
    return World(team, users, clip, trashed, generation, link, invitation, voice, avatar, batch)


def client_of(world: World, visitor: str) -> Client:
    """A client for one of VISITORS; the team's members have the world's team chosen."""
    if visitor == "anonymous":
        return Client()
    if visitor == "outsider":
        return client_for(world.users["outsider"])
    return client_in(world.team, world.users[visitor])


def clients(world: World) -> dict[str, Client]:
    return {visitor: client_of(world, visitor) for visitor in VISITORS}


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    namespace: str
    name: str | None
    route: str
    view: Callable | None = field(default=None, compare=False, repr=False)


def routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    """Every URL pattern of the project, read from the resolver."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name or route, namespace, name, route, entry.callback)
