"""Cheap polls of status cards: an unchanged card answers ``204`` without a session, a query
or a render.

Every open status card polls every 2 s. The card a poll brings is rendered with a signed
token in its poll address (``seen=``) that says what that render was made of:

* the card's *facts*, a digest of every value the card shows (its status, stage, failure,
  and for a long video its parts), and
* the viewer's *access*, a digest of what let them see it (their membership of the team,
  its role, and their account's active flag and password, as the session checks them).

Writers keep the same two digests in the cache (Redis in production, a folder of files on
a laptop, so every web process and worker shares them): a generation saved with other facts,
or a membership or account changed, writes the new digest once its transaction commits. A
poll whose token matches both cached digests, for the same session, is answered ``204 No
Content`` by ``UnchangedCardMiddleware`` before the session is read; htmx then keeps the
card as it is. Anything else (a digest changed or missing, the token expired, another
session) goes through the whole stack: the access check, the query and the render, which
hands out a new token. A removed member's next poll therefore gets the refusal it would
have got before, and a deleted generation's the 404.

Digests describe content, not time, so the order of a render and a write does not matter:
a render that read the state before a write carries the old digest, and its next poll
renders again. Tokens last ``CARD_POLL_TOKEN_SECONDS`` at most, so even a write this module
was never told about shows within that time.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from avatarstudio.studio.models import PART_CARD_FIELDS, Generation

if TYPE_CHECKING:
    from django.http import HttpRequest

    from avatarstudio.accounts.models import Membership

SALT = "avatarstudio.studio.cards.poll"
FACTS_TIMEOUT = 24 * 3600  # longer than any job runs; a missing digest only costs a render
GONE = "gone"

# What a card shows of each part of a long video (its list and its counts).
PART_FACTS = (*PART_CARD_FIELDS, "replaced")


def cache():
    return caches[settings.CARD_CACHE]


def facts_key(generation_id: uuid.UUID | str) -> str:
    return f"card:{generation_id}"


def access_key(team_id: int, user_id: int) -> str:
    return f"card-access:{team_id}:{user_id}"


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=9).hexdigest()


# The card's facts.


def _part_values(part: dict[str, Any]) -> tuple:
    return tuple(
        bool(part[name]) if name in ("polls", "retries") else part[name] for name in PART_FACTS
    )


def facts_of(generation: Generation) -> str:
    """The digest of what ``generation``'s card shows (a long video's parts with one query)."""
    parts: tuple = ()
    if generation.is_long:
        rows = Generation.objects.filter(parent_id=generation.pk).order_by("part_number", "pk")
        parts = tuple(_part_values(row) for row in rows.values(*PART_FACTS))
    return _digest(generation.card_values(), parts)


def facts_changed(generation: Generation) -> bool:
    """Whether a save of ``generation`` may have changed what its card shows: True unless it
    was loaded whole and the values the card reads are still those it was loaded with."""
    loaded = getattr(generation, "card_values_loaded", None)
    return loaded is None or loaded != generation.card_values()


def refresh(generation_ids: Iterable[uuid.UUID | str]) -> None:
    """Write the current digest of each generation's card, read from the database."""
    store = cache()
    for generation_id in set(generation_ids):
        generation = Generation.objects.for_status_card().filter(pk=generation_id).first()
        if generation is None:
            store.delete(facts_key(generation_id))
        else:
            store.set(facts_key(generation_id), facts_of(generation), FACTS_TIMEOUT)


def refresh_on_commit(*generation_ids: uuid.UUID | str | None) -> None:
    """After the transaction commits (at once outside one), refresh these cards' digests."""
    ids = [pk for pk in generation_ids if pk is not None]
    if ids:
        transaction.on_commit(lambda: refresh(ids), robust=True)


# The viewer's access.


def access_of(membership: Membership | None, user: Any) -> str:
    """The digest of what lets ``user`` see the team's cards: their membership and role, and
    the account state the session checks (active, and the password's hash)."""
    if membership is None or not user.is_active:
        return GONE
    return _digest(membership.pk, membership.role, user.pk, user.get_session_auth_hash())


def refresh_access(team_id: int, user_id: int) -> None:
    from avatarstudio.accounts.models import Membership

    membership = (
        Membership.objects.filter(team_id=team_id, user_id=user_id).select_related("user").first()
    )
    user = membership.user if membership else None
    digest = access_of(membership, user) if membership else GONE
    cache().set(access_key(team_id, user_id), digest, settings.CARD_POLL_TOKEN_SECONDS * 2)


def refresh_access_on_commit(pairs: Iterable[tuple[int, int]]) -> None:
    pairs = list(pairs)
    if pairs:
        transaction.on_commit(
            lambda: [refresh_access(team_id, user_id) for team_id, user_id in pairs],
            robust=True,
        )


# The token, and the cheap answer.


def _session_tag(session_key: str) -> str:
    return salted_hmac(SALT, session_key, algorithm="sha256").hexdigest()[:20]


def poll_token(request: HttpRequest, generation: Generation) -> str:
    """The ``seen=`` value for this render of ``generation``'s card to ``request``'s viewer.

    The digests are offered to the cache too (``add``: a writer's newer digest wins), so a
    card answers cheaply again after the cache was emptied."""
    session_key = request.session.session_key
    if session_key is None:  # no session yet: every poll renders
        return ""
    facts = facts_of(generation)
    access = access_of(request.membership, request.user)
    store = cache()
    store.add(facts_key(generation.pk), facts, FACTS_TIMEOUT)
    store.add(
        access_key(generation.team_id, request.user.pk),
        access,
        settings.CARD_POLL_TOKEN_SECONDS * 2,
    )
    payload = ":".join(
        (
            generation.get_absolute_url(),
            str(generation.pk),
            str(generation.team_id),
            str(request.user.pk),
            facts,
            access,
            _session_tag(session_key),
        )
    )
    return signing.TimestampSigner(salt=SALT).sign(payload)


def is_unchanged(request: HttpRequest, token: str) -> bool:
    """True when the card ``token`` was rendered with is still what it would render now, to
    the same viewer in the same session. Never reads the session or the database."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=settings.CARD_POLL_TOKEN_SECONDS
        )
        path, generation_id, team_id, user_id, facts, access, session_tag = payload.split(":")
    except (signing.BadSignature, ValueError):
        return False
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not session_key or not constant_time_compare(session_tag, _session_tag(session_key)):
        return False
    if request.path != path:  # the token answers for the card it was rendered for only
        return False
    keys = (facts_key(generation_id), access_key(int(team_id), int(user_id)))
    cached = cache().get_many(keys)
    return cached.get(keys[0]) == facts and cached.get(keys[1]) == access != GONE
