"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("govreport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": lets a test or an operator see that a worker takes tasks from the broker."""
    return "pong"


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's scheduler, touching ``DATA_DIR/beat.heartbeat`` at every tick.

    ``scripts/entrypoint.sh beat`` runs beat with it and ``--max-interval 60``, so it ticks at
    least every minute; ``entrypoint.sh health beat`` calls beat healthy while the file is
    fresh. Beat has no other sign of life to ask for: a hung beat just sends nothing.
    """

    def tick(self, *args, **kwargs):
        from django.conf import settings

        heartbeat = Path(settings.DATA_DIR) / "beat.heartbeat"
        heartbeat.parent.mkdir(parents=True, exist_ok=True)
        heartbeat.touch()
        return super().tick(*args, **kwargs)
