"""The production settings plus the load test's floor: a trivial view behind the same
middleware (``/_floor/``, see ``config/urls_loadtest.py``). Used by ``scripts/loadtest.sh``
only; never in production."""

from .settings import *  # noqa: F403

ROOT_URLCONF = "config.urls_loadtest"
