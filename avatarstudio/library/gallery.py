"""The library's gallery: filters from the URL, and keyset pages that cost the same anywhere.

A page is never found by OFFSET (which reads every row before it): each sort order has an
index, and a page starts after (or before) the key of the row at its edge. The first and the
last page are both one index range scan.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from avatarstudio.core.choices import Mode
from avatarstudio.library.models import Clip, Review

PAGE_SIZE = 24
COUNT_LIMIT = 1000  # past this the count says "1,000+": counting every row costs O(n)


@dataclass(frozen=True)
class SortOrder:
    label: str
    key: str  # the annotated or real field the pages are cut on
    descending: bool


SORTS = {
    "newest": SortOrder("Newest first", "created", True),
    "oldest": SortOrder("Oldest first", "created", False),
    "longest": SortOrder("Longest first", "duration", True),
    "title": SortOrder("Title A to Z", "title_key", False),
}


# The states in the order a reviewer looks for them: what waits for them first.
REVIEW_FILTER = (Review.IN_REVIEW, Review.CHANGES_REQUESTED, Review.APPROVED, Review.NOT_NEEDED)


class DateInput(forms.DateInput):
    input_type = "date"


class GalleryFilters(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title or prompt"}),
    )
    creator = forms.TypedChoiceField(label="Made by", required=False, coerce=int, empty_value=None)
    mode = forms.ChoiceField(
        label="Mode",
        required=False,
        choices=[("", "Any mode"), *Mode.choices],
    )
    review = forms.ChoiceField(
        label="Review",
        required=False,
        choices=[("", "Any"), *((state.value, state.label) for state in REVIEW_FILTER)],
    )
    favourites = forms.BooleanField(label="Favourites only", required=False)
    since = forms.DateField(label="From", required=False, widget=DateInput)
    until = forms.DateField(label="To", required=False, widget=DateInput)
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[(k, v.label) for k, v in SORTS.items()],
    )

    def __init__(self, *args: Any, creators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creator"].choices = [("", "Anyone"), *creators]

    def apply(self, clips: QuerySet[Clip], user: Any) -> QuerySet[Clip]:
        data = self.cleaned_data if self.is_valid() else {}
        clips = clips.matching(data.get("q") or "")
        if data.get("creator"):
            clips = clips.filter(created_by_id=data["creator"])
        if data.get("mode"):
            clips = clips.filter(mode=data["mode"])
        if data.get("review"):
            clips = clips.in_review_state(data["review"])
        if data.get("favourites"):
            clips = clips.filter(favourites__user=user)
        if data.get("since") and (start := _midnight(data["since"])):
            clips = clips.filter(created__gte=start)
        if data.get("until") and (end := _midnight(data["until"], days_later=1)):
            clips = clips.filter(created__lt=end)
        return clips

    @property
    def sort_order(self) -> str:
        chosen = self.cleaned_data.get("sort") if self.is_valid() else None
        return chosen or "newest"

    @property
    def is_filtered(self) -> bool:
        data = self.cleaned_data if self.is_valid() else {}
        return any(
            data.get(name)
            for name in ("q", "creator", "mode", "review", "favourites", "since", "until")
        )


def _midnight(day: date, days_later: int = 0) -> datetime | None:
    """Midnight here at the start of ``day`` (or of a day after it); None past either end of
    the calendar (the first and last days a date holds), where no bound is needed."""
    try:
        moment = timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min))
        moment.astimezone(UTC)  # what the database is given
    except OverflowError:
        return None
    return moment


@dataclass
class GalleryPage:
    clips: list[Clip]
    next_cursor: str = ""
    previous_cursor: str = ""
    is_first: bool = True
    is_last: bool = True


def encode_cursor(clip: Clip, order: SortOrder) -> str:
    value = getattr(clip, order.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, str(clip.pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: SortOrder) -> tuple[Any, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if order.key == "created":
            value = datetime.fromisoformat(value)
        elif order.key == "duration":
            value = float(value)
        else:
            value = str(value)
        return value, str(uuid.UUID(str(pk)))
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None  # forged: a number too large for a float, or arrays nested past reason


def _beyond(order: SortOrder, value: Any, pk: str, forwards: bool) -> Q:
    """Rows that come after (value, pk) in this order, or before it when not ``forwards``."""
    later = order.descending != forwards  # "greater than" when walking up the index
    op = "gt" if later else "lt"
    return Q(**{f"{order.key}__{op}": value}) | Q(**{order.key: value, f"pk__{op}": pk})


def paginate(
    clips: QuerySet[Clip],
    sort: str,
    after: str = "",
    before: str = "",
    last: bool = False,
    size: int = PAGE_SIZE,
) -> GalleryPage:
    order = SORTS[sort]
    if order.key == "title_key":
        clips = clips.annotate(title_key=Lower("title"))
    forward = [F(order.key).desc() if order.descending else F(order.key).asc()]
    forward.append(F("pk").desc() if order.descending else F("pk").asc())
    backward = [expression.copy() for expression in forward]
    for expression in backward:
        expression.descending = not expression.descending

    after_key = decode_cursor(after, order) if after else None
    before_key = decode_cursor(before, order) if before else None
    if before_key:
        rows = list(
            clips.filter(_beyond(order, *before_key, forwards=False)).order_by(*backward)[
                : size + 1
            ]
        )
        if len(rows) <= size:  # reached the start: show the first page whole
            return paginate(clips, sort, size=size)
        rows = rows[:size][::-1]
        page = GalleryPage(rows, is_first=False, is_last=False)
    elif last:
        rows = list(clips.order_by(*backward)[: size + 1])
        page = GalleryPage(rows[:size][::-1], is_first=len(rows) <= size, is_last=True)
    else:
        if after_key:
            clips = clips.filter(_beyond(order, *after_key, forwards=True))
        rows = list(clips.order_by(*forward)[: size + 1])
        page = GalleryPage(rows[:size], is_first=after_key is None, is_last=len(rows) <= size)
    if page.clips:
        page.next_cursor = encode_cursor(page.clips[-1], order)
        page.previous_cursor = encode_cursor(page.clips[0], order)
    return page


def count_up_to(clips: QuerySet[Clip], limit: int | None = None) -> tuple[int, bool]:
    """How many clips, counting no further than ``limit``; and whether there are more."""
    limit = COUNT_LIMIT if limit is None else limit
    found = clips.order_by()[: limit + 1].count()
    return min(found, limit), found > limit
