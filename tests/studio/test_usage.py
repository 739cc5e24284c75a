"""Usage per member and month, the estimated cost, and monthly limits checked at submit."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from avatarstudio.accounts.models import Membership
from avatarstudio.studio import ledger, quotas
from avatarstudio.studio.models import Generation, LedgerEntry, Status
from avatarstudio.studio.quotas import QuotaExceeded
from tests.helpers import client_in
from tests.studio.helpers import start_generation

pytestmark = pytest.mark.django_db


def made(team, user, seconds: float, *, mode: str = "std", status=Status.READY, when=None):
    """A generation that ended as ``status``, its credit settled or released as the pipeline
    does it."""
    generation = start_generation(team, user, seconds=seconds, mode=mode)
    if when is not None:
        Generation.objects.filter(pk=generation.pk).update(created=when)
        LedgerEntry.objects.filter(generation=generation).update(created=when)
    Generation.objects.filter(pk=generation.pk).update(status=status)
    if status == Status.READY:
        ledger.settle(generation, seconds)
    elif status == Status.FAILED:
        ledger.release(generation)
    return generation


def test_usage_adds_up_seconds_and_cost_per_member_for_the_month(team, owner, member):
    team.price_std, team.price_pro = Decimal("0.5"), Decimal("1.0")
    team.save()
    made(team, owner, 10)
    made(team, owner, 4, mode="pro")
    made(team, member, 6)
    made(team, member, 30, status=Status.FAILED)  # failures make no video and do not count
    made(team, member, 50, when=timezone.now() - timezone.timedelta(days=62))  # another month

    rows = {
        row.membership.user.email: row.spending
        for row in quotas.by_member(team, quotas.month_start())
    }
    assert (rows["owner@example.com"].settled, rows["owner@example.com"].clips) == (14, 2)
    assert rows["owner@example.com"].estimated == Decimal("9.00")  # 10 × 0.5 + 4 × 1.0
    assert (rows["member@example.com"].settled, rows["member@example.com"].estimated) == (
        6,
        Decimal("3.00"),
    )


def test_months_without_videos_show_as_empty_bars(team, owner):
    made(team, owner, 12)
    months = quotas.by_month(team, 6)
    assert len(months) == 6
    assert [month.seconds for month in months] == [0, 0, 0, 0, 0, 12]
    assert months[-1].start == quotas.month_start()


def test_month_boundaries_follow_the_calendar(settings):
    settings.TIME_ZONE = "UTC"
    start = quotas.month_start(datetime(2026, 12, 31, 23, 0, tzinfo=timezone.UTC))
    assert start.isoformat() == "2026-12-01T00:00:00+00:00"
    assert quotas.next_month(start).isoformat() == "2027-01-01T00:00:00+00:00"
    assert quotas.previous_month(start).isoformat() == "2026-11-01T00:00:00+00:00"


def test_the_usage_page_shows_members_totals_and_a_chart(team, admin, member):
    made(team, member, 20)
    html = client_in(team, admin).get("/team/usage/").content.decode()
    assert "<svg" in html and 'class="chart-bar is-current"' in html
    assert "member@example.com" in html
    assert "<strong>20 s</strong> of video" in html
    assert "8.00" in html  # 20 s × 0.4


def test_an_earlier_month_is_chosen_from_the_url(team, admin, member):
    made(team, member, 20, when=quotas.previous_month(quotas.month_start()))
    previous = quotas.previous_month(quotas.month_start())
    html = client_in(team, admin).get(f"/team/usage/?month={previous:%Y-%m}").content.decode()
    assert f"{previous:%B %Y}" in html
    assert "<strong>20 s</strong>" in html


def test_a_team_limit_stops_a_submit_that_would_overrun_it(team, owner, member):
    team.monthly_limit_seconds = 30
    team.save()
    made(team, owner, 25)
    with pytest.raises(QuotaExceeded, match="team's monthly limit of 30 s: 5 s are left"):
        start_generation(team, member, seconds=6)
    start_generation(team, member, seconds=5)
    assert Generation.objects.filter(team=team).count() == 2


def test_a_member_limit_applies_to_that_member_only(team, owner, member):
    Membership.objects.filter(team=team, user=member).update(monthly_limit_seconds=10)
    made(team, member, 8)
    with pytest.raises(QuotaExceeded, match="your monthly limit of 10 s"):
        start_generation(team, member, seconds=3)
    start_generation(team, owner, seconds=30)


def test_a_refused_submit_leaves_no_files_behind(team, member, settings):
    team.monthly_limit_seconds = 1
    team.save()
    with pytest.raises(QuotaExceeded):
        start_generation(team, member, seconds=3)
    inputs = settings.MEDIA_ROOT / "teams" / str(team.pk) / "inputs"
    assert not inputs.exists() or not any(path.is_file() for path in inputs.rglob("*"))


def test_the_create_page_says_what_is_left_and_why_a_submit_was_refused(team, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.media_factory import photo_bytes, voice_bytes

    team.monthly_limit_seconds = 4
    team.save()
    client = client_in(team, member)
    assert "0 s of 4 s used, 4 s left" in client.get("/create/").content.decode()
    response = client.post(
        "/create/",
        {
            "photo": SimpleUploadedFile("face.jpg", photo_bytes(600, 800), "image/jpeg"),
            "audio": SimpleUploadedFile("voice.mp3", voice_bytes(5, "mp3"), "audio/mpeg"),
            "mode": "std",
            "submission_token": "5b0e8f64-1d53-4a39-9a52-6f0f1a9b2c11",
            "consent_statement": "self",
        },
    )
    assert "go over the team&#x27;s monthly limit of 4 s" in response.content.decode()
    assert not Generation.objects.exists()


def test_an_admin_sets_a_members_limit(team, admin, member):
    row = Membership.objects.get(team=team, user=member)
    client_in(team, admin).post(f"/team/members/{row.pk}/limit/", {"monthly_limit_seconds": 90})
    row.refresh_from_db()
    assert row.monthly_limit_seconds == 90
    client_in(team, admin).post(f"/team/members/{row.pk}/limit/", {"monthly_limit_seconds": ""})
    row.refresh_from_db()
    assert row.monthly_limit_seconds is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_cannot_overrun_the_team_limit(team, owner, member):
    team.monthly_limit_seconds = 30
    team.save()
    submitters = 8
    ready = threading.Barrier(submitters)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            ready.wait()
            start_generation(team, member, seconds=10)
            outcomes.append("made")
        except QuotaExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(submitters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made"] * 3 + ["refused"] * 5
    assert quotas.seconds_used(team, quotas.month_start()) == 30


@pytest.mark.parametrize("month", ["9999-12", "2026-13", "soon", "0-1"])
def test_a_month_that_is_ahead_or_malformed_shows_this_month(team, admin, month):
    response = client_in(team, admin).get(f"/team/usage/?month={month}")
    assert response.status_code == 200
    assert f"{quotas.month_start():%B %Y}" in response.content.decode()


def test_a_month_in_year_one_is_shown_as_the_earliest_month_not_a_server_error(team, admin):
    response = client_in(team, admin).get("/team/usage/?month=0001-01")
    assert response.status_code == 200
    assert "January 2020" in response.content.decode()
