"""A backup restores into an empty database and files folder with the same reports and files."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from reports.backup import BackupError, backup_restore
from reports.interchange import load_json_file
from reports.services import report_import

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "reports" / "fixtures" / "samples"


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def restore(backup_dir, env):
    command = [sys.executable, "manage.py", "restore", str(backup_dir)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def stored(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "files"
    published = settings.MEDIA_ROOT / "publications" / "1" / "report.pdf"
    published.parent.mkdir(parents=True)
    published.write_bytes(b"%PDF-1.4 a published document")
    reports = [report_import(document=load_json_file(path)) for path in sorted(SAMPLES.glob("*.json"))]
    return reports, published


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_postgresql_database(stored, tmp_path):
    if not on_postgresql():
        if os.environ.get("CI"):
            pytest.fail("CI runs the suite on PostgreSQL")
        pytest.skip("needs PostgreSQL (pg_dump/pg_restore)")
    reports, published = stored
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir))
    assert {p.name for p in backup_dir.iterdir()} == {"db.dump", "files.tar.gz", "manifest.json"}

    db = settings.DATABASES["default"]
    empty = f"restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    )
    admin.execute(f'CREATE DATABASE "{empty}"')
    try:
        restored_data = tmp_path / "restored-data"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{empty}",
            "GOVREPORT_DATA_DIR": str(restored_data),
        }
        # The shared cache holds pages of the database the restore replaces: emptied.
        shared = None
        if os.environ.get("GOVREPORT_TEST_REDIS_URL"):
            import redis

            cache_url = os.environ["GOVREPORT_TEST_REDIS_URL"].rsplit("/", 1)[0] + "/10"
            env["GOVREPORT_CACHE_URL"] = cache_url
            shared = redis.Redis.from_url(cache_url)
            shared.set("a-page-of-the-replaced-database", b"stale")
        elif os.environ.get("CI"):
            pytest.fail("CI runs the suite with Redis")
        # MEDIA_ROOT follows GOVREPORT_DATA_DIR: <data dir>/files.
        result = restore(backup_dir, env)
        assert result.returncode == 0, result.stderr
        assert "记录数与备份一致" in result.stdout
        if shared is not None:
            assert shared.get("a-page-of-the-replaced-database") is None
        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=empty) as conn:
            rows = conn.execute(
                "SELECT a.name, r.year, r.cells, r.texts FROM reports_report r "
                "JOIN reports_agency a ON a.id = r.agency_id ORDER BY a.name"
            ).fetchall()
        assert [(name, year) for name, year, _, _ in rows] == sorted((r.agency.name, r.year) for r in reports)
        by_name = {r.agency.name: r for r in reports}
        for name, _, cells, texts in rows:
            assert cells == by_name[name].cells and texts == by_name[name].texts
        restored = restored_data / "files" / "publications" / "1" / "report.pdf"
        assert restored.read_bytes() == published.read_bytes()

        # A second restore into the now filled database is refused and changes nothing.
        again = restore(backup_dir, env)
        assert again.returncode != 0
        assert "不是空的" in again.stderr
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_a_tampered_backup_is_refused(stored, tmp_path):
    backup_dir = tmp_path / "backup"
    call_command("backup", output=str(backup_dir))
    archive = backup_dir / "files.tar.gz"
    archive.write_bytes(archive.read_bytes() + b"tampered")
    with pytest.raises(BackupError, match="校验值不符"):
        backup_restore(source=backup_dir)


@pytest.mark.django_db
def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "something").write_text("x")
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", output=str(tmp_path))
