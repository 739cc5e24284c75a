"""``/healthz``: whether the database, the file storage and the task queue answer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
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
    report: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = {"ok": True, **check()}
        except Exception as error:
            # The type is enough for a probe; the details (which may name hosts) go to the log.
            logger.exception("health check %s failed", name)
            report[name] = {"ok": False, "error": type(error).__name__}
    healthy = all(part["ok"] for part in report.values())
    return JsonResponse({"ok": healthy, **report}, status=200 if healthy else 503)
