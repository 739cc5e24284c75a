"""One httpx client for Kling's Avatar and TTS endpoints, through CometAPI or Kling directly.

The client never retries by itself: each error says whether a retry is safe, and the caller
(a background task holding the job's row) decides when. Keys and Base64 payloads never reach
a log line or an exception message.
"""

from __future__ import annotations

import enum
import logging
import time
from typing import Any, Self

import httpx
import jwt
from django.conf import settings

from avatarstudio.kling.errors import (
    KlingError,
    ProviderTimeout,
    ProviderUnreachable,
    UnexpectedResponse,
    error_from_response,
    redact,
)
from avatarstudio.kling.types import AvatarRequest, AvatarTask, Speech, SpeechRequest

logger = logging.getLogger(__name__)

AVATAR_PATH = "/v1/videos/avatar/image2video"
TTS_PATH = "/v1/audio/tts"
JWT_LIFETIME_SECONDS = 1800


class ApiStyle(enum.StrEnum):
    COMETAPI = "cometapi"  # https://api.cometapi.com/kling/v1/…, Bearer CometAPI key
    KLING = "kling"  # https://api-singapore.klingai.com/v1/…, Bearer key or access/secret JWT


class ExternalIdLookup(enum.StrEnum):
    """Kling lets ``external_task_id`` stand in for ``task_id``; where it goes is one choice."""

    PATH = "path"  # GET …/image2video/{external_task_id}
    QUERY = "query"  # GET …/image2video?external_task_id=…


class KlingClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        access_key: str = "",
        secret_key: str = "",
        style: ApiStyle | str = ApiStyle.COMETAPI,
        external_id_lookup: ExternalIdLookup | str = ExternalIdLookup.PATH,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key and not (access_key and secret_key):
            raise ValueError("A Kling client needs an API key, or an access key and a secret key.")
        self.style = ApiStyle(style)
        self.external_id_lookup = ExternalIdLookup(external_id_lookup)
        self._api_key = api_key
        self._access_key = access_key
        self._secret_key = secret_key
        self._jwt: tuple[str, float] | None = None
        self._prefix = "/kling" if self.style is ApiStyle.COMETAPI else ""
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "AvatarStudio"},
            transport=transport,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"<KlingClient {self.style} {self._http.base_url}>"

    # The calls.

    def create_avatar_task(self, request: AvatarRequest) -> AvatarTask:
        data = self._call("POST", AVATAR_PATH, json=request.to_json())
        return self._parse(AvatarTask.from_data, data)

    def get_avatar_task(self, task_id: str = "", *, external_task_id: str = "") -> AvatarTask:
        if bool(task_id) == bool(external_task_id):
            raise ValueError("Pass exactly one of task_id and external_task_id.")
        if task_id or self.external_id_lookup is ExternalIdLookup.PATH:
            data = self._call("GET", f"{AVATAR_PATH}/{task_id or external_task_id}")
        else:
            data = self._call("GET", AVATAR_PATH, params={"external_task_id": external_task_id})
        return self._parse(AvatarTask.from_data, data)

    def list_avatar_tasks(self, page: int = 1, page_size: int = 30) -> list[AvatarTask]:
        data = self._call("GET", AVATAR_PATH, params={"pageNum": page, "pageSize": page_size})
        return [self._parse(AvatarTask.from_data, item) for item in data or []]

    def text_to_speech(self, request: SpeechRequest) -> Speech:
        data = self._call("POST", TTS_PATH, json=request.to_json())
        return self._parse(Speech.from_data, data)

    # The plumbing.

    def _authorization(self) -> str:
        if self._api_key:
            return f"Bearer {self._api_key}"
        now = time.time()
        if self._jwt is None or self._jwt[1] - now < 60:
            token = jwt.encode(
                {
                    "iss": self._access_key,
                    "exp": int(now) + JWT_LIFETIME_SECONDS,
                    "nbf": int(now) - 5,
                },
                self._secret_key,
                algorithm="HS256",
                headers={"typ": "JWT"},
            )
            self._jwt = (token, now + JWT_LIFETIME_SECONDS)
        return f"Bearer {self._jwt[0]}"

    def _secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._api_key, self._secret_key, self._jwt and self._jwt[0]) if s)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self._prefix + path
        started = time.monotonic()
        try:
            response = self._http.request(
                method, url, headers={"Authorization": self._authorization()}, **kwargs
            )
        except httpx.TimeoutException as error:
            self._log(method, url, "timeout", started)
            raise ProviderTimeout(detail=type(error).__name__) from None
        except httpx.HTTPError as error:
            self._log(method, url, "unreachable", started)
            raise ProviderUnreachable(detail=type(error).__name__) from None
        error = error_from_response(response, self._secrets())
        request_id = error.request_id if error else _request_id(response)
        self._log(method, url, response.status_code, started, request_id, error)
        if error is not None:
            raise error
        return response.json().get("data")

    def _parse(self, parse: Any, data: Any) -> Any:
        try:
            return parse(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            detail = redact(f"{type(error).__name__} in answer: {str(data)[:200]}", self._secrets())
            raise UnexpectedResponse(detail=detail) from None

    def _log(
        self,
        method: str,
        url: str,
        outcome: int | str,
        started: float,
        request_id: str = "",
        error: KlingError | None = None,
    ) -> None:
        took_ms = (time.monotonic() - started) * 1000
        level = logging.WARNING if error or isinstance(outcome, str) else logging.INFO
        logger.log(
            level,
            "kling %s %s -> %s in %.0f ms request_id=%s%s",
            method,
            url,
            outcome,
            took_ms,
            request_id or "-",
            f" error={type(error).__name__} code={error.code}" if error else "",
        )


def _request_id(response: httpx.Response) -> str:
    try:
        return str(response.json().get("request_id") or "")
    except ValueError:
        return ""


# What every client made from the settings, and every download from the provider, goes
# through: None for the network; tests point it at the in-process simulator.
TRANSPORT: httpx.BaseTransport | None = None


def client_from_settings(api_key: str = "") -> KlingClient:
    """The client this server is configured for; ``api_key`` is a team's own key when it has one."""
    return KlingClient(
        base_url=settings.COMETAPI_BASE_URL,
        api_key=api_key or settings.COMETAPI_KEY,
        access_key=settings.KLING_ACCESS_KEY,
        secret_key=settings.KLING_SECRET_KEY,
        style=settings.KLING_API_STYLE,
        external_id_lookup=settings.KLING_EXTERNAL_ID_LOOKUP,
        timeout=settings.KLING_TIMEOUT_SECONDS,
        transport=TRANSPORT,
    )
