"""Numbers and lengths as people read them; the template filters of the same names use these."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal


def seconds_text(value: float | timedelta | None) -> str:
    """3.2 -> "3.2 s"; 75 -> "1 min 15 s"; a timedelta the same way."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 and seconds % 1 else f"{round(seconds)} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def megabytes(value: int | None) -> str:
    return "" if value is None else f"{value / (1024 * 1024):.1f} MB"


def plain_number(value: Decimal) -> str:
    """0.400 -> "0.4", 10.000 -> "10": for people and for the estimate's JavaScript."""
    return format(value.normalize(), "f")
