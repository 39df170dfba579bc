"""audit_event refuses TRUNCATE (PostgreSQL)

Revision ID: 0900
Revises: 0700 (main's head when merged; 0500 made the triggers)
Create Date: 2026-11-23 18:40:00

Row triggers (0500) refuse UPDATE and DELETE, but TRUNCATE fires no row trigger: without this
statement-level trigger `TRUNCATE audit_event` (or a `TRUNCATE user CASCADE` reaching it) would
erase the trail. SQLite has no TRUNCATE: its `DELETE FROM` meets the 0500 row trigger.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0900'
down_revision = '0700'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The 0500 function only raises 'audit_event is append-only': reused as is.
        op.execute("""
            CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
            FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
