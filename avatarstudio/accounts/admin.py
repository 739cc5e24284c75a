"""Operators allow teams to spend the server's key, set their limits, and see who is in them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from avatarstudio.accounts.models import AuditEvent, Membership, Team
from avatarstudio.core.admin import ReadOnlyAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "monthly_limit_seconds"]
    # Roles and limits change in the app, which keeps one owner, the role rules and the log.
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_personal",
        "has_own_key",
        "server_key_allowed",
        "server_key_monthly_seconds",
        "monthly_limit_seconds",
        "created",
    ]
    list_filter = ["server_key_allowed", "is_personal"]
    search_fields = ["name", "memberships__user__email"]
    fields = [
        "name",
        "server_key_allowed",
        "server_key_monthly_seconds",
        "monthly_limit_seconds",
        "default_mode",
        "price_std",
        "price_pro",
        "api_key_hint",
    ]
    readonly_fields = ["api_key_hint"]
    inlines = [MembershipInline]
    actions = ["allow_server_key", "withdraw_server_key"]

    def has_add_permission(self, request: Any) -> bool:
        return False  # a team is made in the app, with its owner

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # deleting a team removes its files: the owner does it, in the app

    @admin.display(boolean=True, description="own key")
    def has_own_key(self, team: Team) -> bool:
        return team.has_api_key

    @admin.action(description="Allow the server's key", permissions=["change"])
    def allow_server_key(self, request: Any, queryset: Any) -> None:
        queryset.update(server_key_allowed=True)

    @admin.action(description="Withdraw the server's key", permissions=["change"])
    def withdraw_server_key(self, request: Any, queryset: Any) -> None:
        queryset.update(server_key_allowed=False)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Who is in which team; the team's own pages change roles and limits, by its rules."""

    list_display = ["user", "team", "role", "monthly_limit_seconds", "joined"]
    list_filter = ["role"]
    search_fields = ["user__email", "team__name"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created", "team", "actor_email", "action", "subject", "detail"]
    list_filter = ["action"]
    search_fields = ["team__name", "actor_email", "subject"]
