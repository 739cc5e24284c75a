"""A generation's inputs: how they are stored, and how they are handed to the provider.

Uploads are stored under the team with names we make (never the uploader's file name). The
provider gets them as raw Base64 by default; with ``KLING_INPUTS_AS_URLS`` it gets a
short-lived signed URL instead (the storage's own for S3, or our signed view for a local
folder), which needs ``PUBLIC_BASE_URL`` to be reachable from the internet.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models.fields.files import FieldFile
from django.urls import reverse

SIGNED_INPUT_MAX_AGE = 60 * 60
SIGNING_SALT = "avatarstudio.studio.inputs"


def provider_form(field: FieldFile) -> str:
    if settings.KLING_INPUTS_AS_URLS:
        return signed_url(field.name)
    with field.open("rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


def signed_url(name: str) -> str:
    if not isinstance(default_storage, FileSystemStorage):
        return default_storage.url(name)
    token = signing.dumps(name, salt=SIGNING_SALT)
    return settings.PUBLIC_BASE_URL + reverse("studio:signed_input", args=[token])


def name_from_token(token: str) -> str:
    """The stored name a signed input URL stands for; raises signing.BadSignature otherwise."""
    return signing.loads(token, salt=SIGNING_SALT, max_age=SIGNED_INPUT_MAX_AGE)
