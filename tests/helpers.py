"""Helpers the tests share: plain functions to import, not fixtures (those are in conftest.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import Client

from avatarstudio.accounts.models import Membership, Role, Team

CHROMIUM_HINT = (
    "Chromium was not found, so the browser tests were SKIPPED. Install Debian's package "
    "(`apt-get install chromium`) or point the CHROMIUM variable at a Chromium binary."
)


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() or shutil.which(candidate) else None


def make_user(email: str, password: str = "a-long-password-1"):
    return get_user_model().objects.create_user(username=email, email=email, password=password)


def join(team: Team, role: Role):
    """A new user, <role>@example.com, in ``team`` with ``role``."""
    user = make_user(f"{role}@example.com")
    Membership.objects.create(team=team, user=user, role=role)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def client_in(team: Team, user) -> Client:
    """A signed-in client with ``team`` chosen in the header switcher."""
    client = client_for(user)
    client.post("/teams/switch/", {"team": team.pk})
    return client
