"""Create a demo account (and its personal team) on an empty installation, and print the login."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_EMAIL = "demo@avatarstudio.local"
DEMO_PASSWORD = "avatarstudio-demo"  # noqa: S105 (a laptop demo login, printed on purpose)


class Command(BaseCommand):
    help = "Create a demo user with a personal team when the database has no users yet."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        if User.objects.exists():
            if User.objects.filter(email=DEMO_EMAIL).exists():
                self._print_login()
            return
        user = User.objects.create_user(username="demo", email=DEMO_EMAIL, password=DEMO_PASSWORD)
        EmailAddress.objects.create(user=user, email=DEMO_EMAIL, verified=True, primary=True)
        self.stdout.write(self.style.SUCCESS("Created a demo account with a personal team."))
        self._print_login()

    def _print_login(self) -> None:
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
