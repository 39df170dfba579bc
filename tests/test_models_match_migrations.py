"""The models describe the schema the migrations build, on each backend: the same columns,
types, indexes and foreign keys (alembic's comparison), and the same CHECK constraints (which
alembic does not compare): a check built from a constant in the model must say what the
migration's literal said, or a fresh `create_all` database and a migrated one would accept
different rows."""
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from server.extensions import db
from tests.conftest import scratch_pg_database

# Differences the migrations made on purpose or by an old slip, each with its reason. The test
# fails on any other difference, and on one of these that is gone (take it off the list).
KNOWN: dict[str, set] = {"sqlite": set(), "postgresql": set()}


@pytest.fixture
def models_database(database_url, tmp_path):
    """An empty database on the test's backend, for `create_all` from the models alone."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'models.db'}"
        return
    with scratch_pg_database("models") as url:
        yield url


# PostgreSQL reports `kind IN ('a', 'b')` on a VARCHAR column with casts that depend on the
# constraint's history (`ARRAY['a'::character varying, ...]::text[]` when made with the table,
# `ARRAY['a'::character varying::text, ...]` once the column was altered, as a migration test
# that goes down and up again does): the same check, spelled two ways. Compared without them.
_TEXT_CASTS = re.compile(r"::(?:character varying|text)(?:\[\])?")


def checks(engine) -> dict[tuple[str, str], str]:
    """Each table's CHECK constraints by name, as the database itself reports them back
    (without PostgreSQL's text casts)."""
    found = {}
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            for check in inspector.get_check_constraints(table):
                found[(table, check["name"])] = _TEXT_CASTS.sub("", " ".join(check["sqltext"].split()))
    return found


def test_the_check_constraints_of_the_models_are_the_migrations(app, models_database):
    built = create_engine(models_database)
    db.metadata.create_all(built)
    from_models = checks(built)
    built.dispose()
    migrated = checks(db.engine)
    assert from_models == migrated
    # Read back on both sides (an empty reflection would compare equal too).
    assert {("temperature_reading", "reading_source"), ("placement", "placement_kind"),
            ("gate_entry", "gate_temperature_range")} <= migrated.keys()


def test_the_models_have_the_migrated_columns_indexes_and_keys(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
    found = set()
    for diff in diffs:
        step = diff[0] if isinstance(diff, list) else diff
        # ("modify_nullable", schema, table, column, ...) or ("add_index", Index)...
        found.add((step[0], step[2], step[3]) if step[0].startswith("modify_") else (step[0], str(step[1])))
    assert found == KNOWN[db.engine.dialect.name]
