"""The gallery's tiles, built in Python: 24 a page, each cheaper here than as template nodes.

Django's template engine spends ~35 µs a tile on variable lookups and filters; format_html
spends a fraction of that, which keeps the gallery close to a bare view (bench/gallery.py).
The markup is the same a template would write, escaped the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from avatarstudio.core.formatting import seconds_text
from avatarstudio.library.models import Clip

register = template.Library()

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
_STAR = mark_safe('<span class="clip-star" title="Favourite" aria-label="Favourite">★</span>')
_TILE = (
    '<li class="clip-tile">'
    '<a href="{}" class="clip-link" data-preview="{}">'
    '<span class="clip-poster"><img src="{}" alt="" loading="lazy">'
    '<span class="clip-duration">{}</span>{}</span>'
    '<span class="clip-title">{}</span></a>'
    '<span class="clip-meta muted">{} · {}</span></li>'
)


def _links() -> tuple[str, str, str]:
    """The page, video and poster URL patterns: one reverse() each, not three per tile."""
    return tuple(
        reverse(name, args=[_PLACEHOLDER])
        for name in ("library:clip", "library:video", "library:poster")
    )


def _day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


@register.simple_tag
def clip_tiles(clips: Iterable[Clip]) -> SafeString:
    """The <li> tiles of a gallery page (clips need ``is_favourite`` and ``created_by``)."""
    page, video, poster = _links()
    return format_html_join(
        "",
        _TILE,
        (
            (
                page.replace(_PLACEHOLDER, str(clip.pk)),
                video.replace(_PLACEHOLDER, str(clip.pk)),
                poster.replace(_PLACEHOLDER, str(clip.pk)),
                seconds_text(clip.duration),
                _STAR if clip.is_favourite else "",
                clip.title,
                clip.created_by.email if clip.created_by else "someone who left",
                _day(clip.created),
            )
            for clip in clips
        ),
    )
