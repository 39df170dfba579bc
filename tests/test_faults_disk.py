"""A really full disk (ENOSPC from the file system, not SQLite's own page limit): the sync API
answers 503 with Retry-After, nothing is half-written, and the retry succeeds once space returns.

The SQLite file lives on a small tmpfs mounted for the test, which needs root (as in CI)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from server.extensions import db
from server.models import GateEntry, InboxRecord
from tests.records import batch, gate_entry


@pytest.fixture
def database_url(request, tmp_path):
    """Overrides conftest's: the SQLite template copied onto an 8 MB tmpfs."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        message = f"cannot mount a tmpfs: {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI runs as root and must run this test")
        pytest.skip(message)
    try:
        shutil.copy(request.getfixturevalue("sqlite_template"), disk / "checkpoint.db")
        yield f"sqlite:///{disk / 'checkpoint.db'}"
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(directory: Path) -> Path:
    """Write a file until the file system refuses (ENOSPC)."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError:
            pass
    return filler


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def reasons(client) -> set:
    answer = client.get("/api/v1/health")
    assert answer.status_code == 200  # degraded, still answering
    return {r["code"] for r in answer.get_json().get("reasons", [])}


def test_a_really_full_disk_answers_503_and_recovers(app, client, world, device_token, database_url):
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=i + 1, note="x" * 400) for i in range(200)]
    db.session.commit()
    # An empty write-ahead log, so the batch must grow a file.
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.commit()
    app.config["MIN_FREE_DISK_MB"] = 1  # an 8 MB disk: only a full one is "nearly full"
    assert "disk_nearly_full" not in reasons(client)
    filler = fill(Path(database_url.removeprefix("sqlite:///")).parent)
    assert "disk_nearly_full" in reasons(client)  # health tells the operator

    answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert answer.status_code == 503, answer.get_data(as_text=True)[:300]
    assert answer.headers["Retry-After"].isdigit()
    assert answer.get_json()["error"]["code"] == "database_unavailable"
    assert client.get("/api/v1/health").status_code == 200  # reads still work
    assert count(InboxRecord) == 0 and count(GateEntry) == 0  # rolled back, nothing half-done

    filler.unlink()  # space returns
    answer = client.post("/api/v1/sync", json=batch(device_id, records), headers=headers)
    assert answer.status_code == 200
    assert {r["status"] for r in answer.get_json()["results"]} == {"accepted"}
    assert count(InboxRecord) == 200 and count(GateEntry) == 200
    assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
