"""free text encrypted like names, no free text in the audit trail, self-registrations

Revision ID: 1100
Revises: 1000

Issue 15. Free text typed by people (a flag's resolution note, problems and their fixes, a
sample's void reason, a box's courier, a phone's name) may name anyone: its columns become
AES-GCM ciphertext with the app's DATA_KEY, existing rows encrypted here. Flags get `note` (the
clerk's reason for reopening a tube, moved out of the plain `detail`), placements get `notes`
(what the supervisor wrote when ending early or extending: before, only the audit trail had it).
The audit trail keeps ids and kinds, never free text: the notes, file names and device or
integration names copied into `audit_event.detail` are removed here, the one time its append-only
triggers are lifted (by the migration, as the table's owner). New table `registration`: a
resident's self-registration waiting for a worker to check the ID card.

Each column is swapped (new column, filled, old one dropped, new one renamed), which SQLite does
in place (3.35+) without rebuilding the table. With secure_delete on, SQLite zeroes the pages
the plaintext leaves instead of keeping it in its free pages.
"""
from datetime import timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "1100"
down_revision = "1000"
branch_labels = None
depends_on = None

# (table, column, nullable) of the free text that becomes ciphertext.
COLUMNS = (("flag", "resolution_note", True), ("problem", "description", False),
           ("problem", "fix", True), ("sample", "void_reason", True), ("box", "courier", True),
           ("device", "name", False))
# audit_event.detail keys that held free text, by action.
AUDIT_FREE_TEXT = {"resolve_flag": ("note",), "placement_ended_early": ("note",),
                   "placement_extended": ("note",), "revoke_device": ("name",),
                   "integration_created": ("name",), "import_results": ("file",)}
# Flag.detail keys that held free text or a phone's name (the flag names the device by id).
FLAG_FREE_TEXT = ("reason", "device", "message")
CHUNK = 500
SHANGHAI = timezone(timedelta(hours=8))


def _vault():
    from server.privacy import vault

    return vault()


def _clean(text: str) -> str:
    from offline.text import clean_note

    return clean_note(text)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("claim_hash", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("doc_hash", sa.String(length=64), nullable=False),
        sa.Column("doc_number", sa.LargeBinary(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("phone", sa.LargeBinary(), nullable=False),
        sa.Column("building", sa.LargeBinary(), nullable=True),
        sa.Column("unit", sa.LargeBinary(), nullable=True),
        sa.Column("room", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'rejected')", name="registration_status"),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_hash"),
        sa.UniqueConstraint("community_id", "reference"),
    )
    with op.batch_alter_table("registration") as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registration_created_at"), ["created_at"], unique=False)
    op.add_column("flag", sa.Column("note", sa.LargeBinary(), nullable=True))
    op.add_column("placement", sa.Column("notes", sa.LargeBinary(), nullable=True))
    for table, column, nullable in COLUMNS:
        _encrypt_column(bind, table, column, nullable)
    _flag_details(bind)
    _audit_free_text(bind)


def _encrypt_column(bind, table, column, nullable):
    temporary = f"{column}_encrypted"
    op.add_column(table, sa.Column(temporary, sa.LargeBinary(), nullable=True))
    rows = sa.table(table, sa.column("id"), sa.column(column, sa.Text()), sa.column(temporary, sa.LargeBinary()))
    found = bind.execute(sa.select(rows.c.id, rows.c[column]).where(rows.c[column].is_not(None))).all()
    keys = _vault()
    statement = sa.update(rows).where(rows.c.id == sa.bindparam("row_id")).values(
        {temporary: sa.bindparam("value")})
    for start in range(0, len(found), CHUNK):
        bind.execute(statement, [{"row_id": row_id, "value": keys.encrypt(_clean(text))}
                                 for row_id, text in found[start:start + CHUNK]])
    op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    op.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{temporary}" TO "{column}"')
    if not nullable and bind.dialect.name == "postgresql":  # SQLite cannot add NOT NULL in place
        op.alter_column(table, column, nullable=False)


def _flag_details(bind):
    """A reopened tube's reason moves to the encrypted note; names and messages leave detail."""
    flags = sa.table("flag", sa.column("id"), sa.column("detail", sa.JSON()), sa.column("note", sa.LargeBinary()))
    keys = _vault()
    for flag_id, detail in bind.execute(sa.select(flags.c.id, flags.c.detail)).all():
        if not isinstance(detail, dict) or not any(k in detail for k in FLAG_FREE_TEXT):
            continue
        reason = detail.get("reason")
        values = {"detail": {k: v for k, v in detail.items() if k not in FLAG_FREE_TEXT}}
        if isinstance(reason, str) and reason.strip():
            values["note"] = keys.encrypt(_clean(reason))
        bind.execute(sa.update(flags).where(flags.c.id == flag_id).values(values))


def _audit_free_text(bind):
    audit = sa.table("audit_event", sa.column("id"), sa.column("at", sa.DateTime(timezone=True)),
                     sa.column("action"), sa.column("target"), sa.column("detail", sa.JSON()))
    changes = []
    for event_id, at, action, target, detail in bind.execute(sa.select(
            audit.c.id, audit.c.at, audit.c.action, audit.c.target, audit.c.detail).where(
            audit.c.action.in_(list(AUDIT_FREE_TEXT)))).all():
        if not isinstance(detail, dict) or not any(k in detail for k in AUDIT_FREE_TEXT[action]):
            continue
        if action in ("placement_ended_early", "placement_extended"):
            _keep_placement_note(bind, at, action, target, detail)
        changes.append((event_id, {k: v for k, v in detail.items() if k not in AUDIT_FREE_TEXT[action]}))
    if not changes:
        return
    with _audit_triggers_lifted(bind):
        for event_id, detail in changes:
            bind.execute(sa.update(audit).where(audit.c.id == event_id).values(detail=detail))


def _keep_placement_note(bind, at, action, target, detail):
    """The note of an ending or extension, kept on the placement (encrypted) before it leaves
    the audit trail."""
    note = _clean(str(detail.get("note") or ""))[:200]
    if not note or not str(target or "").startswith("placement:"):
        return
    placements = sa.table("placement", sa.column("id"), sa.column("notes", sa.LargeBinary()))
    placement_id = int(target.split(":", 1)[1])
    current = bind.execute(sa.select(placements.c.notes).where(placements.c.id == placement_id)).first()
    if current is None:
        return
    keys = _vault()
    day = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(SHANGHAI).date()
    what = "Ended early" if action == "placement_ended_early" else f"Extended to {detail.get('end_to', '')}"
    line = f"{day.isoformat()} {what}: {note}"
    text = f"{keys.decrypt(bytes(current[0]))}\n{line}" if current[0] is not None else line
    bind.execute(sa.update(placements).where(placements.c.id == placement_id).values(notes=keys.encrypt(text)))


class _audit_triggers_lifted:
    """The append-only triggers off for this migration's own UPDATEs, then back exactly as they
    were (same definitions), inside the migration's transaction."""

    def __init__(self, bind):
        self.bind = bind
        self.saved = []

    def __enter__(self):
        if self.bind.dialect.name == "postgresql":
            op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        else:
            self.saved = self.bind.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")).all()
            for name, _sql in self.saved:
                op.execute(f'DROP TRIGGER "{name}"')
        return self

    def __exit__(self, *exc):
        if self.bind.dialect.name == "postgresql":
            op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
        else:
            for _name, sql in self.saved:
                op.execute(sql)
        return False


def downgrade():
    bind = op.get_bind()
    keys = _vault()
    for table, column, nullable in COLUMNS:
        temporary = f"{column}_plain"
        op.add_column(table, sa.Column(temporary, sa.Text(), nullable=True))
        rows = sa.table(table, sa.column("id"), sa.column(column, sa.LargeBinary()), sa.column(temporary, sa.Text()))
        for row_id, blob in bind.execute(sa.select(rows.c.id, rows.c[column]).where(rows.c[column].is_not(None))).all():
            bind.execute(sa.update(rows).where(rows.c.id == row_id).values({temporary: keys.decrypt(bytes(blob))}))
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        op.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{temporary}" TO "{column}"')
    op.execute('ALTER TABLE "placement" DROP COLUMN "notes"')
    op.execute('ALTER TABLE "flag" DROP COLUMN "note"')
    with op.batch_alter_table("registration") as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_created_at"))
        batch_op.drop_index(batch_op.f("ix_registration_community_id"))
    op.drop_table("registration")
