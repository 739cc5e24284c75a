"""Operators see every job (its state, provider task and failure), the credit ledger and the
TTS calls; the app alone changes them."""

from __future__ import annotations

from django.contrib import admin

from avatarstudio.core.admin import ReadOnlyAdmin
from avatarstudio.studio.models import Generation, LedgerEntry, SpeechCall


@admin.register(Generation)
class GenerationAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "team",
        "created_by",
        "status",
        "mode",
        "audio_seconds",
        "provider_task_id",
        "failure_code",
    ]
    list_filter = ["status", "mode", "failure_fixable_by"]
    search_fields = ["id", "provider_task_id", "team__name", "created_by__email"]
    date_hierarchy = "created"
    exclude = ["callback_token", "submission_token"]
    list_select_related = ["team", "created_by"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "team",
        "member",
        "charge",
        "mode",
        "reserved_seconds",
        "seconds",
        "provider_units",
        "on_server_key",
    ]
    list_filter = ["charge", "on_server_key", "mode"]
    search_fields = ["team__name", "member__email", "generation__id"]
    date_hierarchy = "created"
    list_select_related = ["team", "member"]


@admin.register(SpeechCall)
class SpeechCallAdmin(ReadOnlyAdmin):
    list_display = ["created", "team", "member", "characters"]
    search_fields = ["team__name", "member__email"]
    date_hierarchy = "created"
