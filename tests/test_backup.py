"""Backups that restore (issue 13): backup -> wipe -> restore gives identical rows, on SQLite and
PostgreSQL; a wrong key, a damaged file or a "no" changes nothing."""
import os
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from server.extensions import db
from server.models import Community
from tests.conftest import PIN
from tests.records import batch, gate_entry, person, valid_id

OTHER_KEY = "AGE-SECRET-KEY-16MKU2THQQ0W54RH4DAHLV7QEMALTHGS5UXDQ5FMA0XENXQNT290SLZNLW2"


def all_rows(url) -> dict:
    """Every row of every table, as stored (encrypted columns as their bytes)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {table: sorted(tuple(map(repr, row)) for row in
                                  conn.execute(text(f'SELECT * FROM "{table}"')))
                    for table in sorted(inspect(conn).get_table_names())}
    finally:
        engine.dispose()


def some_field_data(client, world, device_token, make_person):
    make_person(world["a"]["community"], doc_number=valid_id(61), name="钱备份", phone="13700006161")
    headers, device_id = device_token(world["a"]["volunteer"])
    records = [gate_entry(world["a"]["gate"].id, seq=1, person=person(valid_id(61))),
               gate_entry(world["a"]["gate"].id, seq=2, temperature=38.1)]
    assert client.post("/api/v1/sync", json=batch(device_id, records), headers=headers).status_code == 200
    assert client.post("/login", data={"username": world["a"]["supervisor"].username,
                                       "pin": PIN}).status_code == 302  # an audit event too


def wipe(url):
    db.session.remove()
    db.engine.dispose()
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def test_backup_wipe_restore_gives_identical_rows(app, client, runner, world, device_token,
                                                  make_person, database_url, tmp_path):
    some_field_data(client, world, device_token, make_person)
    db.session.commit()
    before = all_rows(database_url)
    assert before["gate_entry"] and before["audit_event"] and before["person"]

    output = tmp_path / "backups" / "checkpoint.age"
    made = runner.invoke(args=["backup", "--output", str(output)])
    assert made.exit_code == 0, made.output
    content = output.read_bytes()
    assert content.startswith(b"age-encryption.org/v1")
    for secret in ("钱备份".encode(), valid_id(61).encode(), b"13700006161", b"gate_entry"):
        assert secret not in content
    assert oct(output.stat().st_mode & 0o777) == "0o600"

    wipe(database_url)
    assert all_rows(database_url) == {} or "gate_entry" not in all_rows(database_url)
    restored = runner.invoke(args=["restore", str(output), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert all_rows(database_url) == before
    # And the app works on it: the supervisor logs in again.
    assert client.post("/login", data={"username": "supervisor-a", "pin": PIN}).status_code == 302


def test_a_wrong_key_a_damaged_file_or_a_no_changes_nothing(app, client, runner, world,
                                                            make_app, database_url, tmp_path):
    output = tmp_path / "checkpoint.age"
    assert runner.invoke(args=["backup", "--output", str(output)]).exit_code == 0
    db.session.add(Community(code="later", name="备份之后"))  # a restore would remove it
    db.session.commit()
    db.session.remove()
    after = all_rows(database_url)

    other = make_app(BACKUP_KEY=OTHER_KEY)
    with other.app_context():  # another instance's config
        refused = other.test_cli_runner().invoke(args=["restore", str(output), "--yes"])
    assert refused.exit_code != 0
    assert "not made with this instance's BACKUP_KEY" in refused.output

    damaged = tmp_path / "damaged.age"
    data = bytearray(output.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    refused = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert refused.exit_code != 0 and "damaged or was altered" in refused.output

    asked = runner.invoke(args=["restore", str(output)], input="n\n")
    assert asked.exit_code != 0 and "Replace every row" in asked.output
    assert "Nothing restored" in asked.output

    missing = runner.invoke(args=["restore", str(tmp_path / "nope.age"), "--yes"])
    assert missing.exit_code != 0 and "No backup file" in missing.output
    assert all_rows(database_url) == after


def test_init_adds_a_backup_key_to_an_older_instance_config(tmp_path, monkeypatch):
    from server.instance import add_missing_keys

    config = tmp_path / "config.py"
    config.write_text("SECRET_KEY = 'x'\n")
    assert add_missing_keys(str(tmp_path)) == ["BACKUP_KEY", "HANDOVER_KEY"]
    assert "BACKUP_KEY = 'AGE-SECRET-KEY-1" in config.read_text()
    assert add_missing_keys(str(tmp_path)) == []  # never twice, never replaced
    assert Path(config).read_text().count("BACKUP_KEY =") == 1
    assert Path(config).read_text().count("HANDOVER_KEY =") == 1
