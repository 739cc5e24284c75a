"""Operators see every team's clips; deleting one is the team's decision, in the app."""

from __future__ import annotations

from django.contrib import admin

from avatarstudio.core.admin import ReadOnlyAdmin
from avatarstudio.library.models import Clip


@admin.register(Clip)
class ClipAdmin(ReadOnlyAdmin):
    list_display = ["created", "title", "team", "duration", "size_bytes", "mode", "deleted_at"]
    list_filter = ["mode"]
    search_fields = ["title", "team__name", "id"]
    date_hierarchy = "created"
    list_select_related = ["team"]
