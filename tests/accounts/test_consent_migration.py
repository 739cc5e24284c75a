"""Teams made before consent existed keep working as they did; teams made after require it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0003_server_key_allowance")]
AFTER = [("accounts", "0004_consent_and_review_settings")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_teams_made_before_consent_do_not_require_it_and_new_ones_do():
    try:
        apps = migrate(BEFORE)
        old = apps.get_model("accounts", "Team").objects.create(name="Old team").pk
        apps = migrate(AFTER)
        Team = apps.get_model("accounts", "Team")
        assert Team.objects.get(pk=old).require_consent is False
        assert Team.objects.create(name="New team").require_consent is True
        assert Team.objects.get(pk=old).clips_need_approval is False
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
