"""Deleting a team: its rows, and every file it put in storage."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import Storage, default_storage
from django.db import transaction

from avatarstudio.accounts.models import Team
from avatarstudio.core import paths

logger = logging.getLogger(__name__)


def delete_team(team: Team, by: Any) -> int:
    """Delete the team and everything in it; its files go once the rows are gone for good.

    Returns how many files were removed. A job still running for the team finds its row gone
    and stops.
    """
    team_id, name = team.pk, team.name
    with transaction.atomic():
        team.delete()  # cascades to memberships, generations, clips, links, invitations, log
    removed = remove_folder(default_storage, paths.team_folder(team_id))
    logger.info(
        "team %s (%s) deleted by user %s; %d files removed",
        team_id,
        name,
        getattr(by, "pk", None),
        removed,
    )
    return removed


def remove_folder(storage: Storage, folder: str) -> int:
    """Delete every file under ``folder``, however deep; works the same on S3."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        storage.delete(f"{folder}/{name}")
        removed += 1
    for sub in folders:
        removed += remove_folder(storage, f"{folder}/{sub}")
    try:
        storage.delete(folder)  # an empty local directory; a no-op on S3
    except OSError:
        logger.warning("could not remove the folder %s", folder)
    return removed
