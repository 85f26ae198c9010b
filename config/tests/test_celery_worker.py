"""A real Celery worker process takes a task from a real Redis broker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.worker.conftest import redis_available, redis_url, unavailable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    """Start `celery -A config worker` on a queue of its own; stop it afterwards."""
    url = redis_url()
    if not redis_available(url):
        unavailable(f"Redis is not reachable at {url}; scripts/services.sh starts it")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield url, queue, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.worker
def test_a_worker_process_answers_a_task_sent_through_redis(worker):
    url, queue, proc = worker
    client = Celery(broker=url, backend=url)
    started = time.monotonic()
    result = client.send_task("config.ping", queue=queue)
    try:
        assert result.get(timeout=60) == "pong"
    finally:
        client.close()
    assert proc.poll() is None, "the worker should still be running"
    assert time.monotonic() - started < 60
