"""``{% card_poll_url generation compact show_parts %}``: where a status card polls, with the
token that lets an unchanged card answer cheaply (``avatarstudio.studio.cards``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from avatarstudio.studio import cards
from avatarstudio.studio.middleware import POLL_PARAMETER
from avatarstudio.studio.models import Generation

register = template.Library()


@register.simple_tag(takes_context=True)
def card_poll_url(
    context: template.Context, generation: Generation, compact: bool = False, parts: bool = False
) -> str:
    query = {"compact": 1} if compact else {}
    if parts:
        query["parts"] = 1
    token = cards.poll_token(context["request"], generation)
    if token:
        query[POLL_PARAMETER] = token
    return f"{generation.get_absolute_url()}?{urlencode(query)}"
