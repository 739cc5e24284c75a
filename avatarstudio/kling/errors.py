"""Every way a provider call can fail, as one typed error.

Each error says whether trying again later is safe (``retryable``), who can fix it
(``fixable_by``: the person making the video, the team admin, or nobody), and a ``message`` a
non-developer understands. The provider's own words are kept, redacted, in ``detail``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable
from typing import Any

import httpx


class FixableBy(enum.StrEnum):
    USER = "user"
    ADMIN = "admin"
    NOBODY = "nobody"


class KlingError(Exception):
    retryable = False
    fixable_by = FixableBy.NOBODY
    default_message = "Kling could not make this video. Please try again later."

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        http_status: int | None = None,
        detail: str = "",
        request_id: str = "",
        field: str = "",
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.http_status = http_status
        self.detail = detail
        self.request_id = request_id
        self.field = field
        super().__init__(self.message)

    def __str__(self) -> str:
        facts = [
            f"{name}={value}"
            for name, value in (
                ("code", self.code),
                ("http", self.http_status),
                ("request_id", self.request_id),
            )
            if value
        ]
        detail = f" ({self.detail})" if self.detail and self.detail != self.message else ""
        return f"{self.message}{detail}" + (f" [{' '.join(facts)}]" if facts else "")


class AuthenticationFailed(KlingError):
    fixable_by = FixableBy.ADMIN
    default_message = (
        "The provider refused the API key. A team admin needs to check the CometAPI key "
        "in the team settings."
    )


class AccountBlocked(KlingError):
    fixable_by = FixableBy.ADMIN
    default_message = (
        "The provider account has run out of credit or is suspended. A team admin needs to "
        "top it up before more videos can be made."
    )


class PermissionDenied(KlingError):
    fixable_by = FixableBy.ADMIN
    default_message = (
        "This API key is not allowed to use Kling's Avatar model. A team admin needs to "
        "enable it for the key."
    )


class IpNotAllowed(KlingError):
    fixable_by = FixableBy.ADMIN
    default_message = (
        "The provider only accepts calls from whitelisted addresses, and this server is not "
        "one. A team admin needs to add it to the key's IP whitelist."
    )


class InvalidRequest(KlingError):
    fixable_by = FixableBy.USER
    default_message = "Kling did not accept these inputs."


class NotFound(KlingError):
    default_message = "Kling has no record of this task."


class ContentRefused(KlingError):
    fixable_by = FixableBy.USER
    default_message = (
        "Kling refused this photo, voice or prompt under its content rules. Try another "
        "photo or different wording."
    )


class RateLimited(KlingError):
    retryable = True
    default_message = "Kling is receiving too many requests. We will try again shortly."


class ConcurrencyLimited(KlingError):
    retryable = True
    default_message = (
        "The account is already making as many videos as it may at once. Yours waits in "
        "line and starts when a slot frees up."
    )


class ServerError(KlingError):
    retryable = True
    default_message = "Kling's servers had a problem. We will try again shortly."


class ProviderUnreachable(KlingError):
    retryable = True
    default_message = "Kling could not be reached. We will try again shortly."


class ProviderTimeout(ProviderUnreachable):
    default_message = "Kling took too long to answer. We will try again shortly."


class UnexpectedResponse(KlingError):
    """An answer that is not the provider's JSON: HTML, garbage, a redirect, a wrong shape."""

    retryable = True
    default_message = "Kling sent an answer we could not read. We will try again shortly."


class MisconfiguredEndpoint(UnexpectedResponse):
    retryable = False
    fixable_by = FixableBy.ADMIN
    default_message = (
        "The provider address answered with a web page or a redirect instead of the API. "
        "A server admin needs to check COMETAPI_BASE_URL."
    )


class TaskFailed(KlingError):
    """A task Kling accepted, then could not finish; a new task may well succeed."""

    default_message = "Kling could not make this video."


# A failed task carries only the provider's words: these name a problem with the inputs.
INPUT_PROBLEM_WORDS = ("risk", "sensitive", "content", "policy", "pixel", "image", "audio", "face")


def task_failure(reason: str) -> ContentRefused | TaskFailed:
    """What a task's ``task_status_msg`` means: the inputs were refused, or the job failed."""
    if not reason:
        return TaskFailed("Kling could not make this video. Trying again may work.")
    if any(word in reason.lower() for word in INPUT_PROBLEM_WORDS):
        return ContentRefused(
            f"Kling refused this video: {reason}. Try another photo, voice or prompt.",
            detail=reason,
        )
    return TaskFailed(
        f"Kling could not make this video: {reason}. Trying again may work.", detail=reason
    )


FAMILIES: dict[int, type[KlingError]] = {
    10: AuthenticationFailed,
    11: AccountBlocked,
    12: InvalidRequest,
    13: ContentRefused,
    50: ServerError,
}
EXACT: dict[int, type[KlingError]] = {
    1103: PermissionDenied,
    1202: NotFound,
    1203: NotFound,
    1302: RateLimited,
    1303: ConcurrencyLimited,
    1304: IpNotAllowed,
}
BY_HTTP_STATUS: dict[int, type[KlingError]] = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    403: PermissionDenied,
    404: NotFound,
    429: RateLimited,
}
REQUEST_FIELDS = (
    "external_task_id",
    "callback_url",
    "sound_file",
    "audio_id",
    "image",
    "prompt",
    "mode",
    "voice_language",
    "voice_speed",
    "voice_id",
    "text",
)
BASE64_RUN = re.compile(r"[A-Za-z0-9+/=_-]{64,}")
REQUEST_ID_SUFFIX = re.compile(r"\s*\(request id: ([^)]*)\)\s*$")


def error_class_for_code(code: int) -> type[KlingError] | None:
    return EXACT.get(code) or FAMILIES.get(code // 100)


def error_class_for_http_status(status: int) -> type[KlingError]:
    if status >= 500:
        return ServerError
    return BY_HTTP_STATUS.get(status, UnexpectedResponse)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The provider's words, safe for a log: no key, no Base64 payload, not too long."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = BASE64_RUN.sub("[redacted]", text)
    return text if len(text) <= 500 else text[:497] + "..."


def field_named_in(message: str) -> str:
    lowered = message.lower()
    return next((name for name in REQUEST_FIELDS if name in lowered), "")


def _nested_kling_error(payload: Any) -> dict[str, Any] | None:
    """CometAPI sometimes wraps Kling's answer: ``{"data": {"data": {"code": 1201, ...}}}``."""
    seen = 0
    while isinstance(payload, dict) and seen < 4:
        code = payload.get("code")
        if isinstance(code, int) and code >= 1000:
            return payload
        payload = payload.get("data")
        seen += 1
    return None


def _from_kling_code(
    code: int, message: str, status: int, request_id: str, secrets: Iterable[str]
) -> KlingError:
    cls = error_class_for_code(code) or error_class_for_http_status(status)
    detail = redact(message, secrets)
    field = field_named_in(detail) if issubclass(cls, InvalidRequest) else ""
    friendly = ""
    if cls is InvalidRequest and detail:
        what = f"the {field.replace('_', ' ')}" if field else "these inputs"
        friendly = f"Kling did not accept {what}: {detail}"
    return cls(
        friendly,
        code=code,
        http_status=status,
        detail=detail,
        request_id=request_id,
        field=field,
    )


def _from_comet_envelope(error: dict[str, Any], status: int, secrets: Iterable[str]) -> KlingError:
    raw_message = str(error.get("message") or "")
    request_id = ""
    if match := REQUEST_ID_SUFFIX.search(raw_message):
        request_id = match.group(1).strip()
        raw_message = raw_message[: match.start()]
    nested = _nested_kling_error(error)
    if nested is None and raw_message.lstrip().startswith("{"):
        try:
            nested = _nested_kling_error(json.loads(raw_message))
        except ValueError:
            nested = None
    if nested is not None:
        message = str(nested.get("message") or raw_message)
        return _from_kling_code(int(nested["code"]), message, status, request_id, secrets)
    cls = error_class_for_http_status(status)
    detail = redact(raw_message, secrets)
    return cls(
        f"Kling did not accept these inputs: {detail}" if cls is InvalidRequest and detail else "",
        http_status=status,
        detail=detail,
        request_id=request_id,
        field=field_named_in(detail) if cls is InvalidRequest else "",
    )


def error_from_response(response: httpx.Response, secrets: Iterable[str] = ()) -> KlingError | None:
    """The typed error an answer carries, or None when it is a success envelope."""
    status = response.status_code
    if 300 <= status < 400:
        return MisconfiguredEndpoint(http_status=status, detail=f"redirect ({status})")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "no JSON"
        detail = f"{kind} (HTTP {status})"
        if status >= 500:
            return ServerError(http_status=status, detail=detail)
        if status == 404 or kind == "an HTML page":
            return MisconfiguredEndpoint(http_status=status, detail=detail)
        if status in BY_HTTP_STATUS:
            return BY_HTTP_STATUS[status](http_status=status, detail=detail)
        return UnexpectedResponse(http_status=status, detail=detail)
    if isinstance(body.get("error"), dict):
        return _from_comet_envelope(body["error"], status, secrets)
    if (nested := _nested_kling_error(body)) is not None and "code" not in body:
        return _from_kling_code(
            int(nested["code"]), str(nested.get("message", "")), status, "", secrets
        )
    code = body.get("code")
    request_id = str(body.get("request_id") or "")
    if code == 0 and status < 400:
        return None
    if isinstance(code, int) and code != 0:
        return _from_kling_code(code, str(body.get("message") or ""), status, request_id, secrets)
    cls = error_class_for_http_status(status) if status >= 400 else UnexpectedResponse
    return cls(http_status=status, detail=redact(str(body)[:200], secrets), request_id=request_id)
