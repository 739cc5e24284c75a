"""Standard Webhooks signatures, as Kling signs its callbacks (the ``standardwebhooks`` package).

A callback is only a hint: whatever it says, the app queries the task and trusts the query.
The signature, when a secret is configured, keeps strangers from making us poll at will. The
package checks the headers, the five-minute tolerance and every ``v1`` signature given (one
matching is enough, so secrets can be rotated); this module turns its every complaint about
a hostile request into ``InvalidSignature``.
"""

from __future__ import annotations

import binascii
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError


class InvalidSignature(Exception):
    pass


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one callback."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(webhook_id, moment, body.decode())


def signature_headers(secret: str, webhook_id: str, body: bytes, now: float | None = None) -> dict:
    timestamp = int(time.time() if now is None else now)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Raise InvalidSignature unless one of the signatures matches and the time is recent."""
    given = {name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp")}
    # Every well-formed token, however spaced; a malformed one never hides a good one.
    tokens = [t for t in headers.get("webhook-signature", "").split() if t.count(",") == 1]
    given["webhook-signature"] = " ".join(tokens)
    try:
        Webhook(secret).verify(body, given, json_parse=False)
    except EmptyWebhookSecretError:
        raise InvalidSignature(
            "KLING_WEBHOOK_SECRET is empty once decoded; set a whsec_ secret"
        ) from None
    except WebhookVerificationError as error:
        raise InvalidSignature(str(error)) from None
    except (UnicodeDecodeError, binascii.Error, ValueError):
        # A body that is not text, or a signature that is not "v1,<base64>".
        raise InvalidSignature("malformed signature or body") from None
