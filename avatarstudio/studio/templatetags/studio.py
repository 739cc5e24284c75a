from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
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


@register.filter
def megabytes(value: int | None) -> str:
    return "" if value is None else f"{value / (1024 * 1024):.1f} MB"
