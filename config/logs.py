"""Logging: one line per event on stdout, each request's lines carrying its request id.

* ``RequestIdMiddleware`` gives every request an id (the proxy's ``X-Request-ID`` when it is a
  plain token, else a new one), keeps it in a context variable for the log lines written while
  the request runs, and returns it in the ``X-Request-ID`` header — which gunicorn's access log
  prints (``scripts/entrypoint.sh``), so the access line and the application's lines of one
  request share the id.
* ``RequestIdFilter`` puts that id (``-`` outside a request) on every record.
* ``ServerErrorsOnlyFilter`` keeps only 5xx answers on ``django.request``: Django logs every
  403 and 404 there with the exception's traceback, although they are expected answers
  (a refused persona, a missing page) that the access log already shows on one line.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id from outside is kept only when it is a short plain token: it ends up in log lines.
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if _ACCEPTED.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class ServerErrorsOnlyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return status is None or status >= 500


def logging_config(level: str) -> dict:
    """The ``LOGGING`` setting: one console handler on stdout, on the root logger only.

    Django's own default gives the ``django`` logger a console handler of its own when DEBUG
    is on; with ours on the root as well every line came out twice. Here ``django`` keeps no
    handler and propagates to the root. ``django.server`` (runserver's access lines) keeps
    Django's handler and does not propagate, so it prints once too.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.logs.RequestIdFilter"},
            "server_errors_only": {"()": "config.logs.ServerErrorsOnlyFilter"},
        },
        "formatters": {
            "line": {"format": "%(asctime)s %(levelname)s [%(name)s] rid=%(request_id)s %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "line",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.request": {"handlers": [], "filters": ["server_errors_only"], "propagate": True},
            # django-axes writes four INFO lines per sign-in; accounts.AuditEvent records it once.
            "axes": {"level": "WARNING"},
        },
    }
