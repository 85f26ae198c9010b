"""The one settings module, read from the environment.

Embedded defaults serve a newcomer's first start with no service running: a SQLite file
in ``var/``, Celery tasks run in-process, generated files under ``var/files``. Production
sets the variables listed in the README; a missing secret there stops the start-up.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (set DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only-not-for-production-use"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

# Files the application writes (published documents, uploads awaiting parsing).
DATA_DIR = Path(env_str("GOVREPORT_DATA_DIR", str(BASE_DIR / "var")))
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"
# The TrueType CJK font embedded in published PDFs ("path" or "path.ttc#index"); by default
# WenQuanYi Micro Hei from Debian's fonts-wqy-microhei is looked up under /usr/share/fonts.
GOVREPORT_PDF_FONT = env_str("GOVREPORT_PDF_FONT")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "accounts",
    "reports",
    "review",
]

MIDDLEWARE = [
    # First: the container's probes get /healthz and /readyz whatever the Host or scheme.
    "config.health.HealthCheckMiddleware",
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF (which reads the body): refuses an over-limit body unread, huge ids (issue 11).
    "reports.hardening.middleware.HostileRequestMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.PasswordPolicyMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL is None:
    # The embedded default: a SQLite file beside the generated files.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite: a write waits up to 20 s for another to finish instead of failing
    # with "database is locked" (a 500), and a transaction takes the write lock when it
    # starts, so two sign-offs or saves queue instead of deadlocking on the upgrade from a
    # read lock (issue 11). WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "reports:public_list"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# 等级保护 level 2: at least 8 characters of 3 of the 4 classes, not a common password.
# Django's validators subclassed for their Chinese messages (accounts/validators.py says why);
# the history validator also records every real change (accounts.PasswordHistory).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.validators.CommonPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.validators.PasswordHistoryValidator", "OPTIONS": {"history": 5}},
]
# Passwords expire after this many days; 0 turns expiry off.
GOVREPORT_PASSWORD_MAX_AGE_DAYS = env_int("GOVREPORT_PASSWORD_MAX_AGE_DAYS", 90)

# Sign-in lockout (django-axes): 5 failures for one account lock that account for 30 minutes.
# Counted per account, not per address: many clerks of one office share one outgoing IP.
AXES_FAILURE_LIMIT = env_int("GOVREPORT_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("GOVREPORT_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# axes.W006 asks for the address in the lockout key; we lock per account on purpose (above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads: an xlsx template is well under this; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload (2 MB at most) stays in memory, never spooled to disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024
# The hard cap on any request body, refused on Content-Length before it is read (413); a
# view may set its own with reports.hardening.middleware.max_request_bytes.
GOVREPORT_MAX_REQUEST_BYTES = env_int("GOVREPORT_MAX_REQUEST_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE)

# Celery: without a broker, tasks run in-process so the first start needs no service.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://localhost/"  # with a host: kombu warns on every message without
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks_late, a job whose worker died is given to another worker once this has passed
# (Redis' default is an hour); every task here finishes in seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("GOVREPORT_TASK_VISIBILITY_SECONDS", 300)}
CELERY_TIMEZONE = TIME_ZONE
# Scheduled jobs (run `celery -A config beat`): the deadline and review reminders, daily at 08:30.
# (Kept in step with review.reminders.BEAT_SCHEDULE; a test checks they agree.)
CELERY_IMPORTS = ("review.reminders",)
CELERY_BEAT_SCHEDULE = {
    "review-send-due-reminders": {
        "task": "review.reminders.send_due_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
}

# The cache holds derived figures (rule counts on the board, district sums) keyed by report
# versions. One process: in memory; several gunicorn workers: set a shared Redis cache.
CACHE_URL = env_str("GOVREPORT_CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "reports.public_cache.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The address of the site, for links in e-mails (e.g. https://reports.example.gov.cn).
GOVREPORT_SITE_URL = env_str("GOVREPORT_SITE_URL", "")

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")
# The SMTP server, for DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)

# Security headers. Production (DEBUG off) gets secure cookies and HSTS; a deployment behind
# a TLS-terminating proxy sets DJANGO_SECURE_PROXY_SSL_HEADER=true.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# No inline script or style anywhere: scripts and styles come from static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Production is HTTPS (TLS ended at a proxy in front of gunicorn). Serving plain HTTP — a
# trial on an internal address — must be asked for by name: GOVREPORT_PLAIN_HTTP=true turns
# the redirect, the secure cookies and HSTS off by default.
PLAIN_HTTP = env_bool("GOVREPORT_PLAIN_HTTP", False)
HTTPS_ONLY = not DEBUG and not PLAIN_HTTP
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS_ONLY)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS_ONLY)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sessions end after 30 minutes without a request (the expiry moves with every request) and
# on sign-out, on the server (database sessions are deleted, so an old cookie is worthless).
SESSION_COOKIE_AGE = env_int("GOVREPORT_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# One line per event on stdout, with the request id (config/logs.py).
LOGGING = logging_config(env_str("DJANGO_LOG_LEVEL", "INFO"))
