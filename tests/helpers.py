"""Helpers the tests share: plain functions to import, not fixtures (those are in conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def migrate_to(targets):
    """Migrate the test database to ``targets``; the apps as they were then."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_the_latest() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def client_in(team: Team, user) -> Client:
    """A signed-in client with ``team`` chosen in the header switcher."""
    client = client_for(user)
    client.post("/teams/switch/", {"team": team.pk})
    return client


# The settings module as a server reads it from its environment, in a process of its own.

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "avatars.example.com",
    "EMAIL_HOST": "smtp.example.com",
}
# Variables of the developer's own shell that would change what the settings say.
SHELL_LEAKS = {
    *PRODUCTION,
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "ACCOUNT_EMAIL_VERIFICATION",
    "CACHE_URL",
    "REDIS_URL",
    "BEHIND_PROXY",
    "TRUSTED_PROXY_COUNT",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in SHELL_LEAKS and not k.startswith("RATE_LIMIT_")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "avatarstudio.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def setting(name: str, **env: str) -> str:
    """The JSON of ``settings.<name>`` in a process started with ``env``."""
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        f"from django.conf import settings; import json; print(json.dumps(settings.{name}))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
