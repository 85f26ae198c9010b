"""Settings for the commands that work on files only (``check_report``, ``export_report FILE``).

They sign nothing, serve nothing and need no service, so they must run in a fresh shell with
no variable set (the README promises it). ``manage.py`` picks this module for them. The only
difference from the real settings: without ``DJANGO_SECRET_KEY`` this process gets a random
one of its own instead of refusing to start — the web and worker processes keep refusing.
Everything else, the database included, is read from the environment as usual (``export_report
--agency`` still reads the configured database).
"""

import os
import secrets

if not os.environ.get("DJANGO_SECRET_KEY"):
    # This process only; nothing it signs outlives it.
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)

from .settings import *  # noqa: F403
