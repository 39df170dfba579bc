"""The sync's wide statements (server/sync/bulk.py) store what the ORM would, on both backends:
rows converted a column at a time (encryption, times, flags, numbers, JSON), ids of rows the
batch creates put in place at write time, and a value its column cannot hold refused, never cut."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError

from server.extensions import db
from server.models import Flag, GateEntry, Person
from server.sync import bulk

from tests.conftest import BACKENDS


def _row(community, site, **overrides):
    at = datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc)
    row = dict(record_id="00000000-0000-4000-8000-000000000001", community_id=community.id,
               site_id=site.id, device_id=None, user_id=None, person_id=None, direction="in",
               temperature_c=Decimal("38.2"), fever=True, vehicle_plate=None, turned_back=False,
               reason=None, note="发热，已劝返", visitor_name=None, visitor_phone="13800001234",
               remeasure_of=None, sent_to_sample=False, recorded_at=at, received_at=at + timedelta(seconds=5))
    row.update(overrides)
    return row


def _insert(table, rows, returning=()):
    conn = db.session.connection()
    columns = tuple(rows[0])
    return bulk.insert(conn, table, columns, bulk.convert(conn.dialect, table, columns, rows), returning)


def test_rows_written_by_bulk_read_back_through_the_orm_as_written(world):
    community, site = world["a"]["community"], world["a"]["gate"]
    rows = [_row(community, site, record_id=f"00000000-0000-4000-8000-00000000000{i}",
                 note=("发热，已劝返", None)[i % 2], fever=bool(i % 2)) for i in range(1, 4)]
    _insert(GateEntry.__table__, rows)
    db.session.commit()
    stored = db.session.scalars(select(GateEntry).order_by(GateEntry.record_id)).all()
    assert [(e.record_id, e.note, e.visitor_phone, e.fever, e.turned_back, e.temperature_c, e.recorded_at,
             e.received_at) for e in stored] == \
        [(r["record_id"], r["note"], r["visitor_phone"], r["fever"], False, Decimal("38.2"), r["recorded_at"],
          r["received_at"]) for r in rows]


def test_the_same_text_is_encrypted_with_a_fresh_nonce_in_every_row(world):
    """Values that repeat down a column are converted once, except encrypted ones: equal
    ciphertexts would tell who shares a name or a note."""
    community, site = world["a"]["community"], world["a"]["gate"]
    _insert(GateEntry.__table__, [_row(community, site, record_id=f"00000000-0000-4000-8000-00000000000{i}",
                                       note="同一备注") for i in range(1, 4)])
    raw = db.session.connection().exec_driver_sql("SELECT note FROM gate_entry").scalars().all()
    assert len({bytes(v) for v in raw}) == 3


def test_a_row_naming_a_person_the_batch_creates_gets_its_id(world):
    community, site = world["a"]["community"], world["a"]["gate"]
    ref = bulk.Ref()
    person = dict(community_id=community.id, doc_type="cn_ric", doc_hash="h" * 64, doc_number="110105194912310029",
                  name=None, phone=None, tags="", in_roster=False, created_at=datetime.now(timezone.utc))
    (found,) = _insert(Person.__table__, [person], returning=("id", "doc_hash"))
    ref.id = found[0]
    _insert(GateEntry.__table__, [_row(community, site, person_id=ref),
                                  _row(community, site, record_id="00000000-0000-4000-8000-000000000002")])
    db.session.commit()
    assert sorted(db.session.scalars(select(GateEntry.person_id)), key=str) == sorted([found[0], None], key=str)
    assert db.session.get(Person, found[0]).doc_number == "110105194912310029"


def test_json_columns_keep_each_rows_value(world):
    community = world["a"]["community"]
    at = datetime.now(timezone.utc)
    rows = [dict(community_id=community.id, kind="fever", detail=detail, created_at=at, resolved_at=None)
            for detail in ({"temperature_c": "38.2"}, {}, {"temperature_c": "39.0", "turned_back": True})]
    _insert(Flag.__table__, rows)
    db.session.commit()
    assert [f.detail for f in db.session.scalars(select(Flag).order_by(Flag.id))] == [r["detail"] for r in rows]


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="set CHECKPOINT_TEST_DATABASE_URL for PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite stores any length
def test_a_text_longer_than_its_column_is_refused_not_cut(world):
    """PostgreSQL: the arrays are cast without lengths, so the column's own length still refuses
    (a cast to VARCHAR(12) would cut the plate silently)."""
    community, site = world["a"]["community"], world["a"]["gate"]
    with pytest.raises(DBAPIError, match="too long"):
        _insert(GateEntry.__table__, [_row(community, site, vehicle_plate="京A12345678901")])


def test_an_insert_is_one_statement_whose_text_does_not_depend_on_the_rows(app, world):
    community, site = world["a"]["community"], world["a"]["gate"]
    seen = []
    listener = lambda _c, _cur, statement, *_a: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for first, size in ((1, 2), (3, 40)):
            _insert(GateEntry.__table__, [_row(community, site, record_id=f"00000000-0000-4000-8000-{i:012d}")
                                          for i in range(first, first + size)])
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert len(inserts) == 2
    if db.engine.dialect.name == "postgresql":
        assert inserts[0] == inserts[1]  # prepared once per connection
