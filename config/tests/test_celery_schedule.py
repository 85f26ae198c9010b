"""The beat schedule in the settings is the one the reminders module documents, and its task exists."""

from django.conf import settings

from config.celery import app
from review import reminders


def test_settings_schedule_matches_the_reminders_module():
    assert settings.CELERY_BEAT_SCHEDULE == reminders.BEAT_SCHEDULE


def test_the_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
