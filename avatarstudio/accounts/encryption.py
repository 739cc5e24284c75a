"""Secrets at rest (a team's CometAPI key): Fernet, with keys from settings.

``TEAM_KEY_ENCRYPTION_KEYS`` lists Fernet keys, newest first: the first encrypts, any of them
decrypts, so a key can be rotated. Without it one key is derived from ``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UnreadableSecret(Exception):
    """Stored with keys this server no longer has (SECRET_KEY or the Fernet keys changed)."""


def encrypt(text: str) -> str:
    return _fernet(_keys()).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "This secret was stored with another encryption key; enter it again."
        ) from None


def _keys() -> tuple[str, ...]:
    if settings.TEAM_KEY_ENCRYPTION_KEYS:
        return tuple(settings.TEAM_KEY_ENCRYPTION_KEYS)
    digest = hashlib.sha256(f"avatarstudio team keys:{settings.SECRET_KEY}".encode()).digest()
    return (base64.urlsafe_b64encode(digest).decode(),)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])
