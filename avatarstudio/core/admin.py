"""The Django admin is the operators' console, for site staff only (a team owner is not
staff). It lives at ``ADMIN_PATH``, not at the well-known ``/admin/``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required

admin.site.site_header = "AvatarStudio operators"
admin.site.site_title = "AvatarStudio operators"
admin.site.index_title = "Teams, jobs and credit"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the app keeps true by itself (jobs, clips, the ledger): staff look, never edit."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# Staff sign in through the site's own sign-in page, whose failed tries are rate limited,
# rather than through the admin's form, which is not.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
