"""Backups of the database and the generated files, and their restore into an empty system.

A backup is a folder: ``db.dump`` (PostgreSQL, ``pg_dump --format=custom``) or
``db.sqlite3`` (SQLite), ``files.tar.gz`` (everything under ``MEDIA_ROOT``: the published
documents) and ``manifest.json`` (when, which engine, each file's SHA-256, and the row counts
the restore checks against).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
COUNTED_MODELS = ("reports.District", "reports.Agency", "reports.Report", "accounts.User")


class BackupError(Exception):
    """A backup or restore that cannot proceed. ``str(exc)`` is a Chinese message."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"不支持备份此数据库类型：{engine}")


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(f"找不到 {args[0]}，请安装 PostgreSQL 客户端（postgresql-client）。")
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} 失败：{' '.join(result.stderr.split())[:500]}")


def counted_models() -> dict[str, int]:
    labels = list(COUNTED_MODELS)
    if apps.is_installed("review"):
        labels.append("review.ReportEvent")
    try:
        apps.get_model("reports", "Publication")
        labels.append("reports.Publication")
    except LookupError:
        pass
    return {label: apps.get_model(label).objects.count() for label in labels}


def backup_create(*, output: Path) -> dict:
    """Write a backup folder at ``output`` (created; must not exist or be empty)."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"备份目录不是空的：{output}")
    output.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    if engine == "postgresql":
        db_file = output / "db.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(db_file)], _pg_env())
    else:
        db_file = output / "db.sqlite3"
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        target = sqlite3.connect(db_file)
        with target:
            source.backup(target)
        source.close()
        target.close()
    files_archive = output / "files.tar.gz"
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(files_archive, "w:gz") as tar:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=str(path.relative_to(media)), recursive=False)
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "engine": engine,
        "counts": counted_models(),
        "files": {p.name: _sha256(p) for p in (db_file, files_archive)},
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _database_is_empty() -> bool:
    return not [t for t in connection.introspection.table_names() if not t.startswith("sqlite_")]


def backup_restore(*, source: Path) -> dict:
    """Restore a backup folder into the configured, empty database and files folder."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"无法读取备份清单 {source / MANIFEST}：{exc}") from exc
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 缺失或校验值不符，已停止恢复。")
    engine = _engine()
    if engine != manifest["engine"]:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，当前配置的是 {engine}。")
    if not _database_is_empty():
        raise BackupError("目标数据库不是空的：只能恢复到空数据库，以免覆盖现有数据。")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(f"目标文件目录不是空的：{media}")
    if engine == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                _pg_env()["PGDATABASE"],
                str(source / "db.dump"),
            ],
            _pg_env(),
        )
    else:
        connection.close()
        shutil.copyfile(source / "db.sqlite3", settings.DATABASES["default"]["NAME"])
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "files.tar.gz", "r:gz") as tar:
        tar.extractall(media, filter="data")
    counts = counted_models()
    if counts != manifest["counts"]:
        raise BackupError(f"恢复后的记录数与备份时不一致：{counts} ≠ {manifest['counts']}")
    _forget_cache()
    return manifest


def _forget_cache() -> None:
    """Empty the shared cache: what it holds was computed from the database the restore has
    replaced (public pages and documents keyed by report ids and versions, the district's
    sums keyed by report versions), and the restored data may reuse those ids with other
    content. The web and worker processes are restarted after a restore (each also keeps the
    pages it served last in its own memory)."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception as exc:  # a cache that does not answer holds nothing to serve either
        raise BackupError(f"数据已恢复，但无法清空缓存（{exc}）：请清空缓存（Redis）后再启动应用。") from exc
