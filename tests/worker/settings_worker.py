"""Settings of the worker processes the worker tests start: the test settings, with Redis's
visibility timeout cut from an hour to seconds, so that the message of a worker killed in
the middle of a job is delivered again within the test (in production the hour stands: a
job is never that long, and a redelivery is harmless anyway, the job being idempotent)."""

from config.settings_test import *  # noqa: F403

VISIBILITY_TIMEOUT = 6

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
