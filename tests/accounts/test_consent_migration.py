"""Teams made before consent existed keep working as they did; teams made after require it."""

from __future__ import annotations

import pytest

from tests.helpers import migrate_to, migrate_to_the_latest

BEFORE = [("accounts", "0003_server_key_allowance")]
AFTER = [("accounts", "0004_consent_and_review_settings")]


@pytest.mark.django_db(transaction=True)
def test_teams_made_before_consent_do_not_require_it_and_new_ones_do():
    try:
        apps = migrate_to(BEFORE)
        old = apps.get_model("accounts", "Team").objects.create(name="Old team").pk
        apps = migrate_to(AFTER)
        Team = apps.get_model("accounts", "Team")
        assert Team.objects.get(pk=old).require_consent is False
        assert Team.objects.create(name="New team").require_consent is True
        assert Team.objects.get(pk=old).clips_need_approval is False
    finally:
        migrate_to_the_latest()
