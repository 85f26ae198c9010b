"""Refusals made before a view runs or a byte of the body is read."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse

# The largest id any table of the database can hold (BigAutoField, PostgreSQL bigint and
# SQLite INTEGER); a larger number in a URL names nothing, and SQLite raises OverflowError
# on it instead of finding nothing.
MAX_DATABASE_INTEGER = 2**63 - 1


def max_request_bytes(limit: int):
    """Decorate a view whose requests may be larger (or must be smaller) than the default."""

    def decorate(view):
        view.max_request_bytes = limit
        return view

    return decorate


def request_limit(view) -> int:
    return getattr(view, "max_request_bytes", settings.GOVREPORT_MAX_REQUEST_BYTES)


def _too_large(request, limit: int):
    message = (
        f"提交的内容过大（超过 {limit / 1024 / 1024:.1f} MB），未被接收。"
        "请减少内容后重试；上传文件请确认选择的是正确的文件。"
    )
    wants_json = request.content_type == "application/json" or "json" in request.headers.get("Accept", "")
    if wants_json:
        return JsonResponse({"error": "too_large", "message": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class HostileRequestMiddleware:
    """Placed before ``CsrfViewMiddleware``: its ``process_view`` runs before anything reads
    ``request.POST``/``request.body``, so a body over the view's limit is refused on its
    ``Content-Length`` alone and never read (Django reads no more than ``Content-Length``
    of any body, so a streamed body cannot exceed it either)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_DATABASE_INTEGER:
                raise Http404("没有这个编号。")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("请求的 Content-Length 无效。", status=400, content_type="text/plain; charset=utf-8")
        limit = request_limit(view_func)
        if length > limit:
            return _too_large(request, limit)
        return None
