"""The uploaded onboarding file, kept on the server between its preview and its apply.

A refresh of the preview page, or a second tab, must not lose the file, and the apply must
judge exactly the bytes that were previewed. The file is written under
``GOVREPORT_DATA_DIR/onboarding/`` named by the uploader's id and a random token; only that
user can reach it (the token alone is not enough). Files older than a day are removed on
the next upload.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    return Path(settings.DATA_DIR) / "onboarding"


def _path(user_id: int, token: str) -> Path | None:
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return _folder() / f"{int(user_id)}-{token}.xlsx"


def stash_put(*, user_id: int, data: bytes) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    _purge_old(folder)
    token = secrets.token_urlsafe(16)
    path = _path(user_id, token)
    temporary = path.with_suffix(".part")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return token


def stash_get(*, user_id: int, token: str) -> bytes | None:
    path = _path(user_id, token)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def stash_drop(*, user_id: int, token: str) -> None:
    path = _path(user_id, token)
    if path is not None:
        path.unlink(missing_ok=True)


def _purge_old(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue
