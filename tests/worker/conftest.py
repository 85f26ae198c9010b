"""Real Celery worker processes against a real Redis and the test's PostgreSQL database.

* ``worker_factory(pool=…, **env)`` starts ``celery -A config worker --pool=solo -Q <queue>``
  (or ``--pool=prefork --concurrency=1``) with
  the test database (pytest-django's ``test_…`` name), the test's ``MEDIA_ROOT`` and the
  extra environment given; each worker is stopped (or killed) at the end of the test.
* ``broker`` points this process's Celery app at the same Redis (not eager any more) and the
  publication at the test's queue, for the length of the test.

The tests need a database shared between processes: on SQLite they are skipped, except under
``CI=true`` (CI runs on PostgreSQL), where that is a failure; so is a missing Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from reports.publishing import TEST_DELAY_ENV

ROOT = Path(__file__).resolve().parents[2]


def redis_url() -> str:
    return os.environ.get("GOVREPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs these tests on PostgreSQL with Redis)")
    pytest.skip(reason)


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def queue() -> str:
    return f"test-publish-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def redis(transactional_db):
    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL: the worker process must see the test's database")
    url = redis_url()
    if not redis_available(url):
        unavailable(f"Redis is not reachable at {url}")
    return url


class Worker:
    def __init__(self, proc: subprocess.Popen, log: Path):
        self.proc = proc
        self.log = log

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.output:
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited ({self.proc.returncode}):\n{self.output}")
            time.sleep(0.2)
        raise AssertionError(f"the worker did not get ready in {timeout} s:\n{self.output}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def worker_factory(redis, queue, media_root, tmp_path):
    started: list[Worker] = []

    def start(*, pool: str = "solo", **extra_env: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker.settings_worker",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis,
            "CELERY_RESULT_BACKEND": redis,
            "GOVREPORT_DATA_DIR": str(Path(media_root).parent),
        }
        env.pop(TEST_DELAY_ENV, None)
        env.update(extra_env)
        log = tmp_path / f"worker-{len(started) + 1}.log"
        with log.open("w") as handle:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    f"--pool={pool}",
                    *(["--concurrency=1"] if pool == "prefork" else []),
                    "-Q",
                    queue,
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"{queue}-{len(started) + 1}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(proc, log)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def media_root(settings, tmp_path):
    """``MEDIA_ROOT`` of this process; the workers get the same (``GOVREPORT_DATA_DIR``)."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def broker(redis, queue, settings):
    """This process sends to Redis instead of running tasks in-process, to the test's queue."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    settings.GOVREPORT_PUBLISH_QUEUE = queue

    def reset_pools():
        # kombu keeps producer pools per connection in a registry of its own: reset it, or the
        # next test gets the pool closed here.
        kombu_pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        if hasattr(celery_app._local, "backend"):
            del celery_app._local.backend

    reset_pools()
    conf.update(broker_url=redis, result_backend=redis, task_always_eager=False)
    try:
        yield redis
    finally:
        reset_pools()
        conf.update(saved)
