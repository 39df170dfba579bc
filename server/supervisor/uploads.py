"""Uploaded files waiting for confirmation, kept in the instance folder under a random id and
deleted once imported or cancelled (and after an hour, whatever happened)."""
import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app
from flask_login import current_user

MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,40}")


def _folder() -> Path:
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(data: bytes, filename: str, **meta) -> str:
    """Store an upload for the current user; returns its id."""
    sweep()
    token = secrets.token_urlsafe(18)
    folder = _folder()
    fd = os.open(folder / f"{token}.bin", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    write_meta(token, {"filename": filename, "community_id": current_user.community_id,
                       "user_id": current_user.id, **meta})
    return token


def write_meta(token: str, meta: dict) -> None:
    (_folder() / f"{token}.json").write_text(json.dumps(meta))


def load(token: str) -> tuple[bytes, dict]:
    """The upload and its meta data, only for the user who uploaded it (else 404)."""
    if not _TOKEN.fullmatch(token or ""):
        abort(404)
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.bin").read_bytes()
    except FileNotFoundError:
        abort(404)
    if meta.get("community_id") != current_user.community_id or meta.get("user_id") != current_user.id:
        abort(404)
    return data, meta


def write_rows(token: str, rows: list) -> None:
    """The checked rows, so that each chunk of a long import need not parse the file again."""
    (_folder() / f"{token}.rows.json").write_text(json.dumps(rows))


def read_rows(token: str) -> list | None:
    try:
        return json.loads((_folder() / f"{token}.rows.json").read_text())
    except FileNotFoundError:
        return None


def delete(token: str) -> None:
    if _TOKEN.fullmatch(token or ""):
        for suffix in (".bin", ".json", ".rows.json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def sweep() -> int:
    """Delete uploads older than an hour; returns how many files went. Uploads abandoned between
    preview and confirmation must not linger with personal data: run at each upload and by the
    scheduler (server/scheduler/jobs.py), so that they go even when nobody uploads again."""
    limit = time.time() - MAX_AGE_SECONDS
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker swept it first
            pass
    return removed
