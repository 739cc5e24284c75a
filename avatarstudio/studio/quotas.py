"""Seconds of video made, what they are estimated to cost, and the monthly limits on them.

A generation counts from the moment it is submitted, for the length of its voice (the clip is
as long), unless it fails: a failed job makes no video. Months are calendar months in the
server's time zone. Costs are estimates from the team's own price table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from avatarstudio.accounts.models import Membership, Team
from avatarstudio.studio.models import Generation, Status


class QuotaExceeded(Exception):
    """A monthly limit would be overrun; the message says which, and what is left."""


def month_start(moment: datetime | date | None = None) -> datetime:
    """Midnight on the first of the month that ``moment`` (default: now) falls in."""
    if moment is None:
        moment = timezone.localdate()
    elif isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return timezone.make_aware(datetime(moment.year, moment.month, 1))


def next_month(start: datetime) -> datetime:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return timezone.make_aware(datetime(year, month, 1))


def previous_month(start: datetime) -> datetime:
    return month_start(timezone.localtime(start).date() - timedelta(days=1))


def counted(team: Team, start: datetime, end: datetime | None = None) -> Any:
    """The team's generations that count against the months from ``start`` to ``end`` (by
    default the one month beginning at ``start``)."""
    return Generation.objects.filter(
        team=team, created__gte=start, created__lt=end or next_month(start)
    ).exclude(status=Status.FAILED)


def seconds_used(team: Team, start: datetime, user: Any = None) -> float:
    generations = counted(team, start)
    if user is not None:
        generations = generations.filter(created_by=user)
    return float(generations.aggregate(total=Sum("audio_seconds"))["total"] or 0)


def ensure_room(team: Team, user: Any, seconds: float) -> None:
    """Raise QuotaExceeded when ``seconds`` more would overrun the team's or the member's
    monthly limit.

    Call it inside the transaction that creates the generation, holding the team row's lock
    (``services.start_generation`` does), so that concurrent submits are counted one by one.
    """
    start = month_start()
    member_limit = (
        Membership.objects.filter(team=team, user=user)
        .values_list("monthly_limit_seconds", flat=True)
        .first()
    )
    if team.monthly_limit_seconds is not None:
        left = team.monthly_limit_seconds - seconds_used(team, start)
        if seconds > left:
            raise QuotaExceeded(
                f"This would go over the team's monthly limit of "
                f"{team.monthly_limit_seconds} s: {max(left, 0):.0f} s are left this month. "
                "Use a shorter voice, or ask an admin to raise the limit."
            )
    if member_limit is not None:
        left = member_limit - seconds_used(team, start, user)
        if seconds > left:
            raise QuotaExceeded(
                f"This would go over your monthly limit of {member_limit} s: "
                f"{max(left, 0):.0f} s are left this month. Use a shorter voice, or ask an "
                "admin to raise your limit."
            )


@dataclass
class Allowance:
    """What the create page says about this month: used, and the tighter limit if any."""

    used: float
    limit: int | None

    @property
    def left(self) -> float | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


def allowance(team: Team, membership: Membership) -> Allowance | None:
    """The tighter of the team's and the member's monthly limits, or None when neither is set."""
    start = month_start()
    options = []
    if team.monthly_limit_seconds is not None:
        options.append(Allowance(seconds_used(team, start), team.monthly_limit_seconds))
    if membership.monthly_limit_seconds is not None:
        used = seconds_used(team, start, membership.user)
        options.append(Allowance(used, membership.monthly_limit_seconds))
    return min(options, key=lambda option: option.left) if options else None


@dataclass
class MemberUsage:
    membership: Membership
    seconds: float
    clips: int
    cost: Decimal


def _cost(team: Team, seconds_by_mode: dict[str, float]) -> Decimal:
    total = sum(
        (Decimal(str(seconds)) * team.price_per_second(mode))
        for mode, seconds in seconds_by_mode.items()
    )
    return Decimal(total).quantize(Decimal("0.01"))


def by_member(team: Team, start: datetime) -> list[MemberUsage]:
    """Every current member with what they made in the month (members who left are omitted)."""
    rows = (
        counted(team, start)
        .values("created_by", "mode")
        .annotate(seconds=Sum("audio_seconds"), clips=Count("id"))
    )
    seconds: dict[Any, dict[str, float]] = {}
    clips: dict[Any, int] = {}
    for row in rows:
        seconds.setdefault(row["created_by"], {})[row["mode"]] = float(row["seconds"] or 0)
        clips[row["created_by"]] = clips.get(row["created_by"], 0) + row["clips"]
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__email")
    return [
        MemberUsage(
            membership=member,
            seconds=sum(seconds.get(member.user_id, {}).values()),
            clips=clips.get(member.user_id, 0),
            cost=_cost(team, seconds.get(member.user_id, {})),
        )
        for member in members
    ]


@dataclass
class MonthUsage:
    start: datetime
    seconds: float
    cost: Decimal


def by_month(team: Team, months: int = 6, until: datetime | None = None) -> list[MonthUsage]:
    """The last ``months`` calendar months up to ``until``'s, oldest first, empty ones too."""
    starts = [month_start(until)]
    for _ in range(months - 1):
        starts.insert(0, previous_month(starts[0]))
    rows = (
        counted(team, starts[0], next_month(starts[-1]))
        .annotate(month=TruncMonth("created"))
        .values("month", "mode")
        .annotate(seconds=Sum("audio_seconds"))
    )
    found: dict[date, dict[str, float]] = {}
    for row in rows:
        key = timezone.localtime(row["month"]).date() if row["month"] else None
        found.setdefault(key, {})[row["mode"]] = float(row["seconds"] or 0)
    return [
        MonthUsage(
            start=start,
            seconds=sum(found.get(start.date(), {}).values()),
            cost=_cost(team, found.get(start.date(), {})),
        )
        for start in starts
    ]
