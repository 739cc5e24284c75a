"""Path converters the apps' URLs share (registered by ``CoreConfig.ready``)."""

from __future__ import annotations

from django.urls.converters import StringConverter


class TokenConverter(StringConverter):
    """A secret in a URL, as ``secrets.token_urlsafe`` and ``django.core.signing`` write them:
    ASCII letters, digits, "-", "_" and ":". Anything else is no URL of ours and is not found
    before any lookup (PostgreSQL refuses a NUL byte in a query)."""

    regex = r"[-A-Za-z0-9_:]+"
