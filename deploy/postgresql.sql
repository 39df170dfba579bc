-- Checkpoint's role and database on PostgreSQL 15 (Debian's postgresql package).
-- Run once as the postgres superuser:
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -v password='a long random password' \
--        -f deploy/postgresql.sql
-- Optional: -v role=NAME -v db=NAME -v connections=N (defaults checkpoint, checkpoint, 40).
\if :{?role}
\else
  \set role checkpoint
\endif
\if :{?db}
\else
  \set db checkpoint
\endif
\if :{?connections}
\else
  -- The connection budget: every gunicorn thread holds at most one connection, so one machine
  -- with WORKERS=4 THREADS=4 needs 16, plus the scheduler and commands (migrations, exports):
  -- 40 serves two app machines. Keep the sum of all roles under max_connections (100 by
  -- default), or put PgBouncer (transaction mode) in between.
  \set connections 40
\endif

CREATE ROLE :"role" LOGIN PASSWORD :'password' CONNECTION LIMIT :connections;
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
-- SSD or a database that fits in RAM: with the default 4 the planner reads the whole
-- district's 72-hour window through the time index for the board (325 ms against 50 ms).
ALTER DATABASE :"db" SET random_page_cost = 1.1;
-- Times are stored in UTC and shown in Asia/Shanghai by the app.
ALTER DATABASE :"db" SET timezone = 'UTC';
-- A request that dies mid-transaction must not hold locks for long.
ALTER ROLE :"role" SET idle_in_transaction_session_timeout = '60s';
