"""Teams own everything a user makes; a Membership gives a user one role in one team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.utils.text import slugify

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class Role(models.TextChoices):
    """Roles from least to most powerful; each role can do all that the ones before it can."""

    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role | str) -> bool:
        """True when this role may do what ``other`` may do."""
        return self.rank >= Role(other).rank


class TeamQuerySet(models.QuerySet["Team"]):
    def for_user(self, user: AbstractBaseUser) -> TeamQuerySet:
        return self.filter(memberships__user=user)

    def personal_for(self, user: AbstractBaseUser) -> Team:
        return self.get(is_personal=True, memberships__user=user, memberships__role=Role.OWNER)


class TeamManager(models.Manager.from_queryset(TeamQuerySet)):  # type: ignore[misc]
    def create_personal(self, user: AbstractBaseUser) -> Team:
        """The team every user gets at sign-up, with the user as its owner."""
        local_part = (user.email or user.get_username()).split("@")[0]
        return self.create_with_owner(f"{local_part}'s team", user, is_personal=True)

    def create_with_owner(
        self, name: str, owner: AbstractBaseUser, is_personal: bool = False
    ) -> Team:
        with transaction.atomic():
            team = self.create(name=name, is_personal=is_personal)
            Membership.objects.create(team=team, user=owner, role=Role.OWNER)
        return team


class Team(models.Model):
    name = models.CharField(max_length=100)
    is_personal = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    objects = TeamManager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return slugify(self.name) or "team"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: AbstractBaseUser) -> MembershipQuerySet:
        return self.filter(user=user).select_related("team")


class Membership(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], name="one_membership_per_team_and_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"

    def can(self, role: Role | str) -> bool:
        """True when this member's role includes ``role``."""
        return Role(self.role).includes(role)
