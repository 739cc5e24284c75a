"""Health for load balancers and operators.

``/healthz`` is the cheap public liveness answer: one ``SELECT 1``, nothing written. The deep
check, ``/healthz/deep``, writes, reads and deletes a storage object and counts the task queue,
so it answers only to ``Authorization: Bearer <HEALTHZ_TOKEN>`` (404 without it, or while no
token is set): nobody else can make the server touch its storage at will.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.tasks import task_backends
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def check_storage() -> dict:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as probe:
            if probe.read() != b"ok":
                raise OSError("the storage returned other bytes than were written")
    finally:
        default_storage.delete(name)
    return {}


def check_task_queue() -> dict:
    backend = task_backends["default"]
    info: dict = {"backend": type(backend).__name__}
    if type(backend).__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        info["ready"] = DBTaskResult.objects.ready().count()
    return info


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "storage": check_storage,
    "task_queue": check_task_queue,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return _report(request, {"database": check_database})


@never_cache
@require_safe
def healthz_deep(request: HttpRequest) -> JsonResponse:
    if not bearer_matches(request, settings.HEALTHZ_TOKEN):
        raise Http404
    return _report(request, CHECKS)


def bearer_matches(request: HttpRequest, token: str) -> bool:
    """The request carries ``Authorization: Bearer <token>``; never true while no token is set."""
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def _report(request: HttpRequest, checks: dict[str, Callable[[], dict]]) -> JsonResponse:
    report: dict[str, dict] = {}
    for name, check in checks.items():
        try:
            report[name] = {"ok": True, **check()}
        except Exception as error:
            # The type is enough for a probe; the details (which may name hosts) go to the log.
            logger.exception("health check %s failed", name)
            report[name] = {"ok": False, "error": type(error).__name__}
    healthy = all(part["ok"] for part in report.values())
    return JsonResponse({"ok": healthy, **report}, status=200 if healthy else 503)
