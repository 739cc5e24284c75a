"""Teams own everything a user makes; a Membership gives a user one role in one team.

The rules of who may change whom live here, as methods that raise ``NotAllowed`` with a
message for the person who tried, and that write the team's audit log as they act.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from avatarstudio.accounts import encryption
from avatarstudio.core.choices import Mode

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class Role(models.TextChoices):
    """Roles from least to most powerful; each role can do all that the ones before it can."""

    VIEWER = "viewer", "Viewer"
    MEMBER = "member", "Member"
    REVIEWER = "reviewer", "Reviewer"  # a member who also approves clips
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role | str) -> bool:
        """True when this role may do what ``other`` may do."""
        return self.rank >= Role(other).rank


class NotAllowed(Exception):
    """A team rule said no; the message tells the person why and what to do instead."""


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
            if not is_personal:
                AuditEvent.objects.record(team, owner, AuditAction.TEAM_CREATED, subject=name)
        return team


def default_price_std() -> Decimal:
    return Decimal(str(settings.KLING_PRICE_PER_SECOND[Mode.STD]))


def default_price_pro() -> Decimal:
    return Decimal(str(settings.KLING_PRICE_PER_SECOND[Mode.PRO]))


class Team(models.Model):
    name = models.CharField(max_length=100)
    is_personal = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    # The team's own CometAPI key, Fernet-encrypted; only its last four characters are shown.
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_key_hint = models.CharField(max_length=4, blank=True, editable=False)
    default_mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.STD)
    # Kling units (or your currency) per second of video, for the estimates the app shows.
    price_std = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        default=default_price_std,
        validators=[MinValueValidator(0)],
    )
    price_pro = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        default=default_price_pro,
        validators=[MinValueValidator(0)],
    )
    # Seconds of video the whole team may make in a calendar month; None means no limit.
    monthly_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Set by an operator in the Django admin, never by the team: may it spend the server's
    # CometAPI key (when it has none of its own), and how many seconds a month of it.
    server_key_allowed = models.BooleanField(
        "may use the server's key",
        default=False,
        help_text="Lets the team make videos on the server's CometAPI key when it has none "
        "of its own. SERVER_KEY_FOR_ALL_TEAMS=1 allows every team.",
    )
    server_key_monthly_seconds = models.PositiveIntegerField(
        "server key seconds a month",
        null=True,
        blank=True,
        help_text="Seconds of video a month on the server's key; empty for the default "
        "(SERVER_KEY_MONTHLY_SECONDS).",
    )
    # Every video from a bare upload records the consent of the person in the photo (saved
    # avatars always do). On for new teams; teams made before it existed start with it off.
    require_consent = models.BooleanField("Require consent for every face", default=True)
    # A new clip is "In review" until a reviewer or an admin approves it: until then its share
    # links and the viewers' downloads wait.
    clips_need_approval = models.BooleanField(
        "Clips need approval before they leave the team", default=False
    )

    objects = TeamManager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)

    @property
    def uses_server_key(self) -> bool:
        return not self.has_api_key

    @property
    def may_use_server_key(self) -> bool:
        """Whether the operator lets this team spend the server's key (a laptop lets all)."""
        return settings.SERVER_KEY_FOR_ALL_TEAMS or self.server_key_allowed

    @property
    def server_key_limit_seconds(self) -> int | None:
        """The team's monthly seconds on the server's key; None means no limit."""
        if self.server_key_monthly_seconds is not None:
            return self.server_key_monthly_seconds
        return settings.SERVER_KEY_MONTHLY_SECONDS

    @property
    def api_key(self) -> str:
        """The team's own key in clear, for the provider client only; "" when it has none."""
        return encryption.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    def set_api_key(self, key: str) -> None:
        key = key.strip()
        self.api_key_encrypted = encryption.encrypt(key) if key else ""
        self.api_key_hint = key[-4:] if key else ""

    def replace_api_key(self, key: str, by: AbstractBaseUser) -> None:
        """Store a new key (or none: "" goes back to the server's) and log it, by its hint."""
        self.set_api_key(key)
        self.save(update_fields=["api_key_encrypted", "api_key_hint"])
        if self.has_api_key:
            detail = f"ends in {self.api_key_hint}"
            AuditEvent.objects.record(self, by, AuditAction.KEY_SET, detail=detail)
        else:
            AuditEvent.objects.record(self, by, AuditAction.KEY_REMOVED)

    def price_per_second(self, mode: str) -> Decimal:
        return self.price_pro if mode == Mode.PRO else self.price_std

    @transaction.atomic
    def change_role(self, by: Membership, member: Membership, role: Role | str) -> None:
        role = Role(role)
        if role == Role.OWNER:
            raise NotAllowed("To make someone the owner, transfer the ownership to them.")
        if member.role == Role.OWNER:
            raise NotAllowed("The owner's role cannot be changed; the owner can transfer it.")
        if not by.may_manage(member):
            raise NotAllowed("Only an admin can change other people's roles.")
        if member.role == role:
            return
        before = member.get_role_display()
        member.role = role
        member.save(update_fields=["role"])
        AuditEvent.objects.record(
            self,
            by.user,
            AuditAction.ROLE_CHANGED,
            subject=member.user.email,
            detail=f"{before} → {member.get_role_display()}",
        )
        if not member.can(Role.ADMIN):
            self.withdraw_invitations_of(member, by.user, "no longer an admin")

    @transaction.atomic
    def remove_member(self, by: Membership, member: Membership) -> None:
        if member.role == Role.OWNER:
            raise NotAllowed("The owner cannot be removed; the owner can transfer the team first.")
        if member.pk == by.pk:
            raise NotAllowed("To leave the team, use “Leave team”.")
        if not by.may_manage(member):
            raise NotAllowed("Only an admin can remove people from the team.")
        member.delete()
        AuditEvent.objects.record(self, by.user, AuditAction.REMOVED, subject=member.user.email)
        self.withdraw_invitations_of(member, by.user, "removed from the team")

    @transaction.atomic
    def leave(self, member: Membership) -> None:
        if member.role == Role.OWNER:
            raise NotAllowed(
                "You own this team: transfer the ownership to someone first, or delete the team."
            )
        member.delete()
        AuditEvent.objects.record(self, member.user, AuditAction.LEFT, subject=member.user.email)
        self.withdraw_invitations_of(member, member.user, "left the team")

    def withdraw_invitations_of(self, member: Membership, by: AbstractBaseUser, reason: str) -> int:
        """Withdraw the open invitations ``member`` made: without the rights that made them,
        their links must not let anyone (themselves included) back in."""
        pending = self.invitations.pending().filter(invited_by=member.user)
        withdrawn = list(pending)
        pending.update(revoked_at=timezone.now())
        for invitation in withdrawn:
            AuditEvent.objects.record(
                self,
                by,
                AuditAction.INVITATION_REVOKED,
                subject=invitation.email or "invitation link",
                detail=f"made by {member.user.email}, {reason}",
            )
        return len(withdrawn)

    @transaction.atomic
    def set_member_limit(self, by: Membership, member: Membership, seconds: int | None) -> None:
        if not by.may_set_limit_of(member):
            raise NotAllowed(
                "Only the owner can set the owner's or their own limit; an admin sets the "
                "limits of the members they manage."
            )
        member.monthly_limit_seconds = seconds
        member.save(update_fields=["monthly_limit_seconds"])
        AuditEvent.objects.record(
            self,
            by.user,
            AuditAction.LIMIT_CHANGED,
            subject=member.user.email,
            detail=f"{seconds} s a month" if seconds is not None else "no limit",
        )

    @transaction.atomic
    def transfer_ownership(self, by: Membership, to: Membership) -> None:
        """The owner hands the team over and stays on as an admin; there is always one owner."""
        if by.role != Role.OWNER:
            raise NotAllowed("Only the owner can transfer the ownership.")
        if to.team_id != self.pk or to.pk == by.pk:
            raise NotAllowed("Choose another member of this team.")
        if self.is_personal:
            raise NotAllowed("A personal team stays with its owner; create a shared team instead.")
        by.role = Role.ADMIN
        by.save(update_fields=["role"])  # first, as a team has at most one owner
        to.role = Role.OWNER
        to.save(update_fields=["role"])
        AuditEvent.objects.record(
            self, by.user, AuditAction.OWNERSHIP_TRANSFERRED, subject=to.user.email
        )


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: AbstractBaseUser) -> MembershipQuerySet:
        return self.filter(user=user).select_related("team")


class Membership(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined = models.DateTimeField(auto_now_add=True)
    # Seconds of video this member may make in a calendar month; None means no own limit.
    monthly_limit_seconds = models.PositiveIntegerField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["joined", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], name="one_membership_per_team_and_user"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=Q(role="owner"), name="one_owner_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"

    def can(self, role: Role | str) -> bool:
        """True when this member's role includes ``role``."""
        return Role(self.role).includes(role)

    def may_manage(self, other: Membership) -> bool:
        """Admins and the owner manage everyone else but the owner."""
        return self.can(Role.ADMIN) and other.role != Role.OWNER and other.pk != self.pk

    def may_set_limit_of(self, other: Membership) -> bool:
        """The owner sets anyone's monthly limit, their own too; an admin only the limits of
        the people they manage, never the owner's."""
        if self.role == Role.OWNER:
            return other.team_id == self.team_id
        return self.may_manage(other)

    @property
    def grantable_roles(self) -> list[Role]:
        """The roles this member may give by invitation or change (the owner role is handed
        over, never granted)."""
        if not self.can(Role.ADMIN):
            return []
        return [Role.VIEWER, Role.MEMBER, Role.REVIEWER, Role.ADMIN]


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now: datetime | None = None) -> InvitationQuerySet:
        """Still usable: not revoked, not expired, and (for an email invitation) not used."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now).filter(
            Q(email="") | Q(accepted_at__isnull=True)
        )


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An accept link for a team: sent to one email address (used once), or a link to copy
    and pass around, used by anyone who has it until it expires or is revoked."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Invitation to {self.team} for {self.email or 'anyone with the link'}"

    def get_absolute_url(self) -> str:
        return reverse("teams:invitation", args=[self.token])

    @classmethod
    def issue(
        cls, by: Membership, role: Role | str, email: str = "", days: int | None = None
    ) -> Invitation:
        if Role(role) not in by.grantable_roles:
            raise NotAllowed("Only an admin can invite people, as viewer, member or admin.")
        invitation = cls.objects.create(
            team=by.team,
            email=email.strip().lower(),
            role=role,
            invited_by=by.user,
            expires_at=timezone.now() + timedelta(days=days or settings.INVITATION_DAYS),
        )
        AuditEvent.objects.record(
            by.team,
            by.user,
            AuditAction.INVITED if email else AuditAction.LINK_CREATED,
            subject=invitation.email,
            detail=f"as {invitation.get_role_display()}",
        )
        return invitation

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def problem(self, user: AbstractBaseUser | None = None) -> str:
        """Why this invitation cannot be used now (by ``user``, when given), or "" if it can."""
        if self.revoked_at:
            return "This invitation was withdrawn. Ask the team for a new one."
        if self.email and self.accepted_at:
            return "This invitation has already been used."
        if self.is_expired:
            return "This invitation has expired. Ask the team for a new one."
        signed_in = user is not None and user.is_authenticated
        if signed_in and self.email and self.email != (user.email or "").lower():
            return (
                f"This invitation is for {self.email}. Sign in with that address (or create "
                "an account with it) to accept."
            )
        return ""

    @transaction.atomic
    def accept(self, user: AbstractBaseUser) -> Membership:
        """Join the team with the invited role; a member already keeps the role they have."""
        if problem := self.problem(user):
            raise NotAllowed(problem)
        existing = Membership.objects.filter(team=self.team, user=user).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = Membership.objects.create(team=self.team, user=user, role=self.role)
            except IntegrityError:  # accepted twice at once
                existing = Membership.objects.get(team=self.team, user=user)
            else:
                AuditEvent.objects.record(
                    self.team,
                    user,
                    AuditAction.JOINED,
                    subject=user.email,
                    detail=f"as {existing.get_role_display()}",
                )
        if self.email:
            self.accepted_at = timezone.now()
            self.accepted_by = user
            self.save(update_fields=["accepted_at", "accepted_by"])
        return existing

    def revoke(self, by: Membership) -> None:
        if not by.can(Role.ADMIN) or by.team_id != self.team_id:
            raise NotAllowed("Only an admin can withdraw invitations.")
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        AuditEvent.objects.record(
            self.team,
            by.user,
            AuditAction.INVITATION_REVOKED,
            subject=self.email or "invitation link",
        )


class AuditAction(models.TextChoices):
    TEAM_CREATED = "team_created", "created the team"
    INVITED = "invited", "invited"
    LINK_CREATED = "link_created", "made an invitation link"
    INVITATION_REVOKED = "invitation_revoked", "withdrew an invitation for"
    JOINED = "joined", "joined"
    ROLE_CHANGED = "role_changed", "changed the role of"
    REMOVED = "removed", "removed"
    LEFT = "left", "left the team"
    OWNERSHIP_TRANSFERRED = "ownership_transferred", "transferred the ownership to"
    KEY_SET = "key_set", "set the CometAPI key"
    KEY_REMOVED = "key_removed", "removed the CometAPI key"
    SETTINGS_CHANGED = "settings_changed", "changed the settings"
    LIMIT_CHANGED = "limit_changed", "changed a monthly limit"
    CLIP_DELETED = "clip_deleted", "deleted forever the clip"
    AVATAR_SAVED = "avatar_saved", "saved the avatar"
    AVATAR_DELETED = "avatar_deleted", "deleted the avatar"
    CONSENT_GIVEN = "consent_given", "recorded consent for"
    CONSENT_WITHDRAWN = "consent_withdrawn", "withdrew the consent for"
    CLIP_APPROVED = "clip_approved", "approved the clip"
    CHANGES_REQUESTED = "changes_requested", "asked for changes to the clip"
    REVIEW_REQUESTED = "review_requested", "asked for another review of the clip"
    BATCH_STARTED = "batch_started", "started the batch"


class AuditEventManager(models.Manager["AuditEvent"]):
    def record(
        self,
        team: Team,
        actor: AbstractBaseUser | None,
        action: AuditAction,
        subject: str = "",
        detail: str = "",
    ) -> AuditEvent:
        return self.create(
            team=team,
            actor=actor,
            actor_email=getattr(actor, "email", "") or "",
            action=action,
            subject=subject[:200],
            detail=detail[:300],
        )


class AuditEvent(models.Model):
    """Who did what in a team, for its admins. Never holds a key or a payload."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)  # kept if the user goes
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    subject = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    objects = AuditEventManager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["team", "-created"], name="audit_by_team")]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.get_action_display()} {self.subject}".strip()
