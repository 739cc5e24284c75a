"""Seconds of video spent, what they are estimated to cost, and the monthly limits on them.

The credit ledger (``LedgerEntry``, written by ``studio.ledger``) is what counts: a job holds
its worst case from the moment it is submitted, then its clip's real length once made, and
nothing if it failed without a charge. This module is the only reader of what was spent.
Months are calendar months in the server's time zone; costs are estimates from the team's own
price table, set beside what Kling said it charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from avatarstudio.accounts.keys import ServerKeyRefused, ensure_may_spend
from avatarstudio.accounts.models import Membership, Team
from avatarstudio.studio.models import COUNTED_SECONDS, Charge, LedgerEntry


class QuotaExceeded(Exception):
    """A monthly limit would be overrun, or the team may not spend; the message says what to do."""


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


def entries(team: Team, start: datetime, end: datetime | None = None) -> Any:
    """The team's ledger entries for the months from ``start`` to ``end`` (by default the one
    month beginning at ``start``)."""
    return LedgerEntry.objects.for_team(team).in_months(start, end or next_month(start))


def seconds_used(
    team: Team, start: datetime, user: Any = None, *, on_server_key: bool = False
) -> float:
    """Seconds the month counts: settled, plus the worst case of what is still running."""
    found = entries(team, start)
    if user is not None:
        found = found.filter(member=user)
    if on_server_key:
        found = found.on_server_key()
    return float(found.aggregate(total=Sum(COUNTED_SECONDS))["total"] or 0)


@dataclass(frozen=True)
class Limit:
    """One monthly limit that applies to a submit, and how to say it."""

    seconds: int
    used: float
    whose: str  # "the team's", "your", "the server key's"
    remedy: str

    @property
    def left(self) -> float:
        return max(self.seconds - self.used, 0)


def limits_for(team: Team, user: Any) -> list[Limit]:
    """Every monthly limit on what ``user`` makes in ``team`` this month."""
    start = month_start()
    found = []
    if team.monthly_limit_seconds is not None:
        found.append(
            Limit(
                team.monthly_limit_seconds,
                seconds_used(team, start),
                "the team's",
                "ask an admin to raise the limit",
            )
        )
    member_limit = (
        Membership.objects.filter(team=team, user=user)
        .values_list("monthly_limit_seconds", flat=True)
        .first()
    )
    if member_limit is not None:
        found.append(
            Limit(
                member_limit,
                seconds_used(team, start, user),
                "your",
                "ask an admin to raise your limit",
            )
        )
    server_limit = server_key_limit(team) if team.uses_server_key else None
    if server_limit is not None:
        found.append(server_limit)
    return found


def server_key_limit(team: Team) -> Limit | None:
    """The operator's monthly limit on what the team makes on the server's key, if any."""
    if team.server_key_limit_seconds is None:
        return None
    return Limit(
        team.server_key_limit_seconds,
        seconds_used(team, month_start(), on_server_key=True),
        "this server's key's",
        "ask an admin to add the team's own CometAPI key in Team settings",
    )


def _too_much(limit: Limit) -> QuotaExceeded:
    return QuotaExceeded(
        f"This would go over {limit.whose} monthly limit of {limit.seconds} s: "
        f"{limit.left:.0f} s are left this month. Use a shorter voice, or {limit.remedy}."
    )


def ensure_server_key_room(team: Team, seconds: float) -> None:
    """Raise QuotaExceeded when a job that moved onto the server's key would overrun its
    limit (the team removed its own key after the job was queued)."""
    _ensure_may_spend(team)
    limit = server_key_limit(team)
    if limit is not None and seconds > limit.left:
        raise _too_much(limit)


def _ensure_may_spend(team: Team) -> None:
    try:
        ensure_may_spend(team)
    except ServerKeyRefused as refused:
        raise QuotaExceeded(refused.message) from None


def refusal(team: Team, user: Any) -> str:
    """Why nothing at all can be started now (no key to spend, a limit used up), or ""."""
    try:
        _ensure_may_spend(team)
    except QuotaExceeded as refused:
        return str(refused)
    for limit in limits_for(team, user):
        if limit.left <= 0:
            return (
                f"{limit.whose.capitalize()} monthly limit of {limit.seconds} s is used up "
                f"this month. To make more, {limit.remedy}."
            )
    return ""


def ensure_room(team: Team, user: Any, seconds: float) -> None:
    """Raise QuotaExceeded when ``seconds`` more would overrun a monthly limit, or when the
    team may not spend the server's key.

    Call it inside the transaction that creates the generation and reserves its credit,
    holding the team row's lock (``services.start_generation`` does), so that concurrent
    submits are counted one by one.
    """
    _ensure_may_spend(team)
    for limit in limits_for(team, user):
        if seconds > limit.left:
            raise _too_much(limit)


@dataclass
class Allowance:
    """What the create page says about this month: used, and the tighter limit if any."""

    used: float
    limit: int | None

    @property
    def left(self) -> float | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


def allowance(team: Team, membership: Membership) -> Allowance | None:
    """The tightest monthly limit on this member, or None when none is set."""
    found = limits_for(team, membership.user)
    if not found:
        return None
    tightest = min(found, key=lambda limit: limit.left)
    return Allowance(tightest.used, tightest.seconds)


@dataclass
class Spending:
    """A member's or a month's figures: videos, seconds held and settled, and money."""

    clips: int = 0
    reserved: float = 0.0  # the worst case of jobs still running
    settled: float = 0.0  # the real length of videos made
    estimated: Decimal = Decimal("0.00")  # from the team's prices, for what counts
    charged: Decimal | None = None  # what Kling said it took, where it said

    @property
    def seconds(self) -> float:
        return self.reserved + self.settled

    def add(self, team: Team, row: dict[str, Any]) -> None:
        self.clips += row["clips"]
        self.reserved += float(row["reserved"] or 0)
        self.settled += float(row["settled"] or 0)
        counted = Decimal(str(float(row["reserved"] or 0) + float(row["settled"] or 0)))
        self.estimated = (self.estimated + counted * team.price_per_second(row["mode"])).quantize(
            Decimal("0.01")
        )
        if row["charged"] is not None:
            self.charged = (self.charged or Decimal("0")) + row["charged"]


def _spending_rows(found: Any, *group: str) -> Any:
    return (
        found.exclude(charge=Charge.RELEASED)
        .values(*group, "mode")
        .annotate(
            clips=Count("id"),
            reserved=Sum("reserved_seconds", filter=Q(charge=Charge.RESERVED)),
            settled=Sum("seconds", filter=Q(charge=Charge.SETTLED)),
            charged=Sum("provider_units"),
        )
        .order_by()
    )


@dataclass
class MemberUsage:
    membership: Membership
    spending: Spending


def by_member(team: Team, start: datetime) -> list[MemberUsage]:
    """Every current member with what they spent in the month (members who left are omitted)."""
    spending: dict[Any, Spending] = {}
    for row in _spending_rows(entries(team, start), "member"):
        spending.setdefault(row["member"], Spending()).add(team, row)
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__email")
    return [MemberUsage(member, spending.get(member.user_id, Spending())) for member in members]


def month_total(team: Team, start: datetime) -> Spending:
    """The whole team's month, members who left included."""
    total = Spending()
    for row in _spending_rows(entries(team, start)):
        total.add(team, row)
    return total


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
    found: dict[date | None, Spending] = {}
    rows = _spending_rows(
        entries(team, starts[0], next_month(starts[-1])).annotate(month=TruncMonth("created")),
        "month",
    )
    for row in rows:
        key = timezone.localtime(row["month"]).date() if row["month"] else None
        found.setdefault(key, Spending()).add(team, row)
    return [
        MonthUsage(
            start=start,
            seconds=found.get(start.date(), Spending()).seconds,
            cost=found.get(start.date(), Spending()).estimated,
        )
        for start in starts
    ]
