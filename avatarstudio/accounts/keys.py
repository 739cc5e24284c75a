"""The CometAPI key a team spends: the client its calls go through, and the free key check.

A team with a key of its own spends that. Otherwise it spends the server's ``COMETAPI_KEY``,
but only when the operator allowed it (``Team.server_key_allowed``, set in the Django admin,
or ``SERVER_KEY_FOR_ALL_TEAMS``): a stranger who signs up cannot spend the operator's credit.
"""

from __future__ import annotations

import uuid

from avatarstudio.accounts.encryption import UnreadableSecret
from avatarstudio.accounts.models import Team
from avatarstudio.kling.client import KlingClient, client_from_settings
from avatarstudio.kling.errors import (
    AccountBlocked,
    AuthenticationFailed,
    IpNotAllowed,
    KlingError,
    NotFound,
    PermissionDenied,
    ProviderUnreachable,
)


class ServerKeyRefused(PermissionDenied):
    default_message = (
        "This team has no CometAPI key of its own, and the server's key is kept for the teams "
        "its operator allowed. A team admin can add the team's key in Team settings."
    )


def ensure_may_spend(team: Team) -> None:
    """Raise ServerKeyRefused when the team would spend a server key it was not given."""
    if team.uses_server_key and not team.may_use_server_key:
        raise ServerKeyRefused()


def client_for_team(team: Team, *, spending: bool = True) -> KlingClient:
    """The client for a team's calls: with the team's own CometAPI key, else the server's
    when the team may spend it. Calls that cost nothing (a poll of a task already paid for)
    pass ``spending=False``: a team whose allowance was withdrawn still gets its videos."""
    if spending:
        ensure_may_spend(team)
    try:
        key = team.api_key
    except UnreadableSecret:
        raise AuthenticationFailed(
            "The team's CometAPI key can no longer be read (the server's encryption key "
            "changed). A team admin needs to enter it again in the team settings."
        ) from None
    return client_from_settings(api_key=key)


def check_team_key(team: Team) -> tuple[bool, str]:
    """Ask the provider about a task that cannot exist: "not found" means the key was accepted.

    Costs no credit. Returns whether the key works and a sentence saying so.
    """
    try:
        with client_for_team(team) as client:
            client.get_avatar_task(external_task_id=f"key-check-{uuid.uuid4()}")
    except NotFound:
        return True, "The key works: CometAPI accepted it."
    except (AuthenticationFailed, AccountBlocked, PermissionDenied, IpNotAllowed) as error:
        return False, error.message
    except ProviderUnreachable:
        return False, "CometAPI could not be reached just now, so the key was not checked."
    except KlingError as error:
        return False, f"CometAPI answered in a way we did not expect: {error.message}"
    return True, "The key works: CometAPI accepted it."
