"""scheduler: job leases, runs, heartbeats

Revision ID: 1000
Revises: 0600
Create Date: 2026-12-01 13:30:00

`checkpoint scheduler` runs the periodic jobs (missed quarantine reports, upload expiry, SQLite
PRAGMA optimize, sweeps). Several schedulers may run: a lease per job in the database lets
one of them run each job at a time.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1000'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_job',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=120), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('scheduler_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=120), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scheduler_run', schema=None) as batch_op:
        batch_op.create_index('ix_scheduler_run_job_started', ['job', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduler_run_started_at'), ['started_at'], unique=False)

    op.create_table('scheduler_heartbeat',
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('host', sa.String(length=120), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('owner')
    )
    with op.batch_alter_table('scheduler_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_heartbeat_beat_at'), ['beat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('scheduler_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_heartbeat_beat_at'))
    op.drop_table('scheduler_heartbeat')
    with op.batch_alter_table('scheduler_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_run_started_at'))
        batch_op.drop_index('ix_scheduler_run_job_started')
    op.drop_table('scheduler_run')
    op.drop_table('scheduler_job')
