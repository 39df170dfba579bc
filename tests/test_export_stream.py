"""The day's tube export is streamed (issue 16): sent in chunks while it is read, byte for byte
the file the whole-day export makes, audited with its row count before the first byte."""
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.clock import local_at
from server.supervisor.export_files import STREAM_ROWS, export
from server.extensions import db
from server.models import AuditEvent, utcnow
from tests.factories_supervisor import make_tube


def test_the_tube_csv_is_streamed_in_chunks_and_is_the_same_file(world, client, login):
    a = world["a"]
    tubes = STREAM_ROWS // 10 * 2 + 7  # more than two chunks of rows
    # Opened at noon of the day exported: "an hour ago" is yesterday's day from 00:00 to 01:00.
    day = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    for n in range(tubes):
        make_tube(a["community"], a["point"], f"TS{n:06d}", people=10).opened_at = local_at(day, time(12))
    db.session.commit()
    login(a["supervisor"])
    # Read while the request is still open (as a server sends it), not after.
    response = client.get(f"/supervisor/exports/tubes.csv?date={day.isoformat()}", buffered=True)
    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # streamed: its length is not known up front
    body = response.get_data()
    _name, whole, rows = export("tubes", "csv", a["community"].id, day)
    assert rows == tubes * 10
    assert body == whole
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\xef\xbb\xbf") == 1
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert audits[0].detail["rows"] == tubes * 10 and audits[0].detail["format"] == "csv"


def test_an_empty_day_streams_the_header_alone(world, client, login):
    login(world["a"]["supervisor"])
    response = client.get(f"/supervisor/exports/tubes.csv?date={date(2020, 1, 1).isoformat()}")
    assert response.status_code == 200
    lines = response.get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 and lines[0].startswith("试管编码")
