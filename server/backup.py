"""`checkpoint backup` and `checkpoint restore`: the whole database in one encrypted file.

Format: an age file (pyrage: authenticated, streamed in 64 KiB chunks, so a damaged or edited
file fails to decrypt) holding a tar of meta.json and the database: SQLite's online backup API
copy (consistent while the app runs), or PostgreSQL's `pg_dump --format=custom`.

The key is BACKUP_KEY, an age X25519 identity in the instance config (`checkpoint init` adds
one). It is not DATA_KEY on purpose: DATA_KEY encrypts names, ID numbers and phones *inside* the
database, and stays encrypted inside the backup too; a stolen backup then needs both keys before
it gives anything away. A separate key can also be handed to whoever keeps the backups (or
rotated) without touching the key every running server needs, and one key is never used by two
different ciphers.

Restore decrypts and checks everything into a private temporary folder first: a wrong key, a
damaged file or a backup of the other database kind is refused before the database is touched.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pyrage
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .extensions import db

FORMAT = "checkpoint-backup/1"
SQLITE_NAME, PG_NAME = "database.sqlite", "database.pgdump"


class BackupError(Exception):
    """Refused, with a message for the operator; nothing was changed."""


# ---- keys -----------------------------------------------------------------------------------

def new_backup_key() -> str:
    return str(pyrage.x25519.Identity.generate())


def _identity() -> pyrage.x25519.Identity:
    key = current_app.config.get("BACKUP_KEY")
    if not key:
        raise BackupError("No BACKUP_KEY in the instance config: run `checkpoint init` to add one.")
    try:
        return pyrage.x25519.Identity.from_str(str(key).strip())
    except Exception:
        raise BackupError("BACKUP_KEY is not a valid age identity (AGE-SECRET-KEY-1...).") from None


# ---- backup ---------------------------------------------------------------------------------

@contextmanager
def _private_folder():
    folder = tempfile.mkdtemp(prefix="checkpoint-backup-")  # mode 0700: plaintext lives here
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def backup(output: Path) -> dict:
    """Write an encrypted backup of the app's database to `output` (replaced atomically)."""
    identity = _identity()
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    with _private_folder() as work:
        if url.get_backend_name() == "sqlite":
            name = SQLITE_NAME
            _sqlite_copy(url.database, work / name)
        elif url.get_backend_name() == "postgresql":
            name = PG_NAME
            _pg_dump(url, work / name)
        else:
            raise BackupError(f"Cannot back up a {url.get_backend_name()} database.")
        meta = {"format": FORMAT, "backend": url.get_backend_name(), "file": name,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "revision": _revision(), "version": current_app.config["VERSION"],
                "bytes": (work / name).stat().st_size}
        (work / "meta.json").write_text(json.dumps(meta))
        with tarfile.open(work / "backup.tar", "w") as tar:
            tar.add(work / "meta.json", arcname="meta.json")
            tar.add(work / name, arcname=name)
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        pyrage.encrypt_file(str(work / "backup.tar"), str(partial), [identity.to_public()])
        os.chmod(partial, 0o600)
        os.replace(partial, output)
    return {**meta, "encrypted_bytes": output.stat().st_size}


def _sqlite_copy(path: str, target: Path) -> None:
    if not path or not Path(path).exists():
        raise BackupError(f"No SQLite database at {path}.")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # consistent even while the app writes (online backup API)
    finally:
        copy.close()
        source.close()


def _pg_env(url) -> dict:
    """libpq settings in the environment, not on the command line (ps shows arguments)."""
    env = {**os.environ, "PGDATABASE": url.database or "", "PGHOST": url.host or "",
           "PGPORT": str(url.port or 5432), "PGUSER": url.username or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _run(command: list, env: dict, what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is missing: install the PostgreSQL client "
                          "(apt-get install postgresql-client-15).")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-800:]}")


def _pg_dump(url, target: Path) -> None:
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
         _pg_env(url), "pg_dump")


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        db.session.rollback()


# ---- restore --------------------------------------------------------------------------------

@contextmanager
def opened(path: Path):
    """Decrypt and unpack a backup into a private folder; yields (meta, database file)."""
    identity = _identity()
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with _private_folder() as work:
        try:
            pyrage.decrypt_file(str(path), str(work / "backup.tar"), [identity])
        except pyrage.DecryptError as error:
            if "No matching keys" in str(error):
                raise BackupError("This backup was not made with this instance's BACKUP_KEY: "
                                  "use the instance config it was made with.") from None
            raise BackupError(f"The backup cannot be decrypted ({error}): it is damaged or "
                              "was altered.") from None
        except OSError as error:
            raise BackupError(f"The backup is damaged or was altered ({error}): nothing restored.") from None
        try:
            with tarfile.open(work / "backup.tar") as tar:
                tar.extractall(work / "files", filter="data")
            meta = json.loads((work / "files" / "meta.json").read_text())
        except (tarfile.TarError, OSError, ValueError):
            raise BackupError("The backup's content is not a Checkpoint backup.") from None
        if meta.get("format") != FORMAT or meta.get("file") not in (SQLITE_NAME, PG_NAME):
            raise BackupError("The backup's content is not a Checkpoint backup.")
        database = work / "files" / meta["file"]
        if not database.is_file():
            raise BackupError("The backup holds no database.")
        yield meta, database


def check_target(meta: dict) -> str:
    """Where the backup would go; refuses a backup of the other database kind."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != meta["backend"]:
        raise BackupError(f"This is a {meta['backend']} backup and the configured database is "
                          f"{url.get_backend_name()}: nothing restored.")
    return url.render_as_string(hide_password=True)


def restore(meta: dict, database: Path) -> None:
    """Replace the configured database's content with the backup's (all or nothing)."""
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds the old database open
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if meta["backend"] == "sqlite":
        _sqlite_restore(database, url.database)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname", url.database or "",
              str(database)], _pg_env(url), "pg_restore")


def _sqlite_restore(source_path: Path, path: str) -> None:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        source.close()
        raise BackupError("The backup's database fails SQLite's integrity check: nothing restored.")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        # One locked copy: readers of the live file see the old content or the new, never half.
        source.backup(target)
    except sqlite3.OperationalError as error:
        raise BackupError(f"The database is busy ({error}): stop the app and the scheduler, "
                          "then restore again. Nothing was restored.") from None
    finally:
        target.close()
        source.close()
