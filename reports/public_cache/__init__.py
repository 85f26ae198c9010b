"""The public site served from a cache shared by the web workers (issue 13).

What the public reads changes only when a publication does: a report is published, a
correction is published (or, one day, a publication is withdrawn). So:

* **The publication generation** (:func:`public_generation`) is a random token kept in the
  cache without expiry. Every publishing transaction replaces it once it has committed
  (:func:`public_generation_bump_on_commit`); the listings, the API and the open-data page
  are cached under keys that contain it, so a new report is on every page at once — the old
  entries are simply never asked for again. A report's current page has a token of its own
  (:func:`report_generation`), replaced in the same write when its agency publishes, so that
  one agency's publication does not make every report page render again. A token lost with the
  cache (a restart of Redis, an eviction) is replaced by a new random one, never by a value
  an old entry could carry. The entries also expire after :data:`SAFETY_SECONDS`, for what
  changes without a publication (a district renamed in the admin).
* **A published version never changes**: its page (``/reports/<id>/v<n>/``) and its files are
  cached without expiry under the version's own key and served with a strong ``ETag``,
  ``Last-Modified`` and a year of ``Cache-Control: immutable``; a revalidation gets a 304.
* **Anonymous requests only.** A request without a session cookie (and without a pending
  message) is anonymous without asking the session, so a cached page is served without a
  query and without ``Vary: Cookie``; a signed-in visitor's page is rendered for them and
  marked private.

The cache is Django's default cache: Redis in production (``GOVREPORT_CACHE_URL``, shared
by the gunicorn workers and the Celery worker that publishes), the process's memory in the
demo. A cache that does not answer is not an outage: the page is rendered as if it missed.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache as memoize
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger(__name__)

GENERATION_KEY = "public:generation"
#: A report's page token (:func:`report_generation`).
REPORT_KEY = "public:report:{}"
#: Entries keyed by the generation also expire, for changes that are not publications.
SAFETY_SECONDS = 10 * 60
#: What a browser or a proxy may keep of a page that changes with publications.
PAGE_MAX_AGE = 30
#: What it may keep of a published version's page or file, whose URL names the version.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
#: The cookie of ``django.contrib.messages``' cookie storage.
MESSAGES_COOKIE = "messages"


# ── The generation ──────────────────────────────────────────────────────────────────────


def public_generation() -> str | None:
    """The current publication generation; ``None`` when the cache does not answer."""
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
            value = cache.get(GENERATION_KEY)
        return value
    except Exception:  # a cache that is down must not take the public site with it
        logger.warning("public cache unavailable", exc_info=True)
        return None


def request_generation(request) -> str | None:
    """:func:`public_generation`, read once per request: the cache key, the filter choices and
    the count of one listing miss share it (one round trip to the cache instead of three)."""
    try:
        return request._public_generation
    except AttributeError:
        request._public_generation = public_generation()
        return request._public_generation


def report_generation(report_id: int) -> str | None:
    """The token of one report's current public page, which shows the report's versions and
    its agency's years: replaced when the agency publishes (:func:`public_generation_bump`),
    not when another agency does. Never created on reading (a visitor's made-up ids must not
    fill the cache): without one — no publication of the agency since the cache started, or
    evicted — the publication generation stands in, and a page kept under it is as fresh as
    the listings are. ``None`` when the cache does not answer."""
    key = REPORT_KEY.format(report_id)
    try:
        found = cache.get_many([key, GENERATION_KEY])  # one round trip for either
    except Exception:
        logger.warning("public cache unavailable", exc_info=True)
        return None
    if found.get(key) is not None:
        return f"r:{found[key]}"
    generation = found.get(GENERATION_KEY) or public_generation()
    return None if generation is None else f"g:{generation}"


def public_generation_bump(report_ids: Iterable[int] = ()) -> None:
    """Make every generation-keyed entry stale, and the pages of ``report_ids`` (the reports of
    the agency that published): call after a change of what the public sees has committed.
    One write, so that no reader sees the new generation with the old report tokens."""
    tokens = {GENERATION_KEY: uuid.uuid4().hex, **{REPORT_KEY.format(pk): uuid.uuid4().hex for pk in report_ids}}
    try:
        cache.set_many(tokens, None)
    except Exception:
        logger.exception("public cache: the generation could not be replaced")


def public_generation_bump_on_commit(report_ids: Iterable[int] = ()) -> None:
    """Bump the generation (and the pages of ``report_ids``) when the current transaction
    commits (at once outside one). Not before: a request between the bump and the commit
    would cache the old rows under the new generation."""
    ids = list(report_ids)
    transaction.on_commit(lambda: public_generation_bump(ids))


# ── Anonymous requests ──────────────────────────────────────────────────────────────────


def is_anonymous(request) -> bool:
    """No session and no pending message: the page is everyone's. Decided from the cookies
    alone, so the session (and its query) is never touched."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and MESSAGES_COOKIE not in request.COOKIES


@memoize
def release() -> str:
    """A token of the code and templates that render the pages, so that a deployment does not
    serve pages rendered by the previous one (whose stylesheets may be gone)."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    sources = sorted(
        [
            *(base / "templates").rglob("*.html"),
            *(base / "reports").rglob("*.py"),
        ]
    )
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    for path in [*sources, manifest]:
        try:
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:12]


IMMUTABLE_PREFIX = "public:v:"


def cache_key(*parts: object, immutable: bool = False) -> str:
    """A bounded key for ``parts`` (which may hold a visitor's search words)."""
    text = "\x1f".join(str(part) for part in parts)
    prefix = IMMUTABLE_PREFIX if immutable else "public:g:"
    return f"{prefix}{release()}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


@dataclass(frozen=True)
class CachedPage:
    """A rendered 200 response, as kept in the cache."""

    body: bytes
    content_type: str
    etag: str
    last_modified: float | None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, response: HttpResponse, *, last_modified: float | None = None) -> CachedPage:
        body = response.content
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        extra = tuple((name, response[name]) for name in ("Access-Control-Allow-Origin",) if response.has_header(name))
        return cls(body, response["Content-Type"], etag, last_modified, extra)

    def response(self, request, *, max_age: int) -> HttpResponse:
        response = HttpResponse(self.body, content_type=self.content_type)
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified)
        for name, value in self.headers:
            response[name] = value
        public_cache_control(response, max_age=max_age)
        return get_conditional_response(request, etag=self.etag, last_modified=self.last_modified, response=response)


def public_cache_control(response, *, max_age: int) -> None:
    if max_age >= IMMUTABLE_MAX_AGE:
        patch_cache_control(response, public=True, max_age=max_age, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=max_age)


def cached_public_page(key, *, immutable: bool = False):
    """Serve a public view from the cache for anonymous visitors.

    ``key(request, *args, **kwargs)`` gives the parts of the entry's key (the view's name and
    its normalised arguments; for a page that changes with publications, include
    ``public_generation()``), or ``None`` not to cache. ``immutable``: the entry never expires
    and the response may be kept for a year. On a miss the view renders with an anonymous
    user (the session is not read) and its 200 answer is kept; other answers pass through.
    The view may set ``response.public_last_modified`` (a timestamp) for ``Last-Modified``.
    """
    max_age = IMMUTABLE_MAX_AGE if immutable else PAGE_MAX_AGE
    timeout = None if immutable else SAFETY_SECONDS

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_anonymous(request):
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.has_header("Cache-Control"):
                    # The page header names the signed-in user.
                    patch_cache_control(response, private=True, no_cache=True)
                return response
            request.user = AnonymousUser()  # so that nothing renders from the session
            parts = key(request, *args, **kwargs)
            name = None if parts is None else cache_key(view.__module__, view.__name__, *parts, immutable=immutable)
            page = _get(name)
            if page is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    return response
                page = CachedPage.of(response, last_modified=getattr(response, "public_last_modified", None))
                _set(name, page, timeout)
            return page.response(request, max_age=max_age)

        return wrapper

    return decorator


def cached_value(key_parts: tuple, compute, *, immutable: bool = False):
    """``compute()``, kept in the cache under ``key_parts`` (with the generation in them for
    anything that changes with publications)."""
    name = cache_key(*key_parts, immutable=immutable)
    value = _get(name)
    if value is None:
        value = compute()
        _set(name, value, None if immutable else SAFETY_SECONDS)
    return value


# Each process also keeps the entries it has served last, in front of the shared cache: an
# entry's key names its generation (or its immutable version), so a local copy under the same
# key is the same entry. A hit then costs one small read of the generation from Redis (none
# for an immutable page) instead of also fetching and unpickling the page.
_local: dict[str, object] = {}
LOCAL_ENTRIES = 256


def _get(name: str | None):
    if name is None:
        return None
    kept = _local.get(name)
    if kept is not None and (kept[0] is None or kept[0] > time.monotonic()):
        return kept[1]
    try:
        value = cache.get(name)
    except Exception:
        logger.warning("public cache unavailable", exc_info=True)
        return None
    if value is not None:
        # Kept here no longer than the safety expiry, unless the key names a version.
        _remember(name, value, None if name.startswith(IMMUTABLE_PREFIX) else SAFETY_SECONDS)
    return value


def _set(name: str | None, value, timeout) -> None:
    if name is None or value is None:
        return
    try:
        cache.set(name, value, timeout)
    except Exception:
        logger.warning("public cache unavailable", exc_info=True)
        return
    _remember(name, value, timeout)


def _remember(name: str, value, timeout: int | None) -> None:
    try:
        while len(_local) >= LOCAL_ENTRIES:
            _local.pop(next(iter(_local)), None)  # the oldest first
    except (RuntimeError, StopIteration):  # another thread changed it meanwhile: no matter
        pass
    _local[name] = (None if timeout is None else time.monotonic() + timeout, value)


def public_cache_clear() -> None:
    """Empty the shared cache and this process's copies (for tests and maintenance)."""
    _local.clear()
    cache.clear()
