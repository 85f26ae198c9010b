"""Health answers for the container engine and the load balancer.

* ``/healthz``: the process answers (touches no database or service).
* ``/readyz``: the database, the broker, the cache and the data folder are usable; 503 with
  each failing part named, so ``docker compose ps`` or the balancer says what is wrong.

``HealthCheckMiddleware`` answers both paths before any other middleware: a probe inside the
container asks ``http://127.0.0.1:8000/readyz`` — not one of ``ALLOWED_HOSTS`` and not
HTTPS — and must get the answer, not a 400 or a redirect to HTTPS. The answers name no host
and hold no data, so serving them to any Host is harmless. The URL patterns exist too, so the
paths can be reversed and are listed in the URL × persona matrix.
"""

from __future__ import annotations

import tempfile
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

PROBE_TIMEOUT = 3  # seconds for the broker; a probe that hangs is itself a failure


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # no broker configured: tasks run in the web process itself
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT)


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("value written was not read back")
    cache.delete(key)


def _data_folder() -> None:
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, prefix=".readyz-"):
        pass


CHECKS = {"database": _database, "broker": _broker, "cache": _cache, "data_folder": _data_folder}


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    results, failing = {}, []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a part is the answer, not a 500
            results[name] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            failing.append(name)
        else:
            results[name] = "ok"
    if failing:
        return JsonResponse(
            {
                "status": "unavailable",
                "failing": failing,
                "checks": results,
                "message": "不可用：" + "、".join(failing),
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse({"status": "ok", "checks": results})


PATHS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PATHS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
