"""``{% load formatting %}``: the filters of ``avatarstudio.core.formatting``."""

from __future__ import annotations

from django import template

from avatarstudio.core import formatting

register = template.Library()
register.filter("seconds_text", formatting.seconds_text)
register.filter("megabytes", formatting.megabytes)
