"""The app's commands (`checkpoint …`, also `flask --app wsgi …`): create_app registers them.
Each prints what it did, exits non-zero with a clear message on bad input, and changes nothing
when it fails. The commands that run before the app can start are in server/cli.py."""
import logging
import re
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from offline.rules import TUBE_CAPACITY_MAX, TUBE_CAPACITY_MIN
from .audit import audit
from .auth.pins import hash_pin, valid_pin
from .backup import BackupError, backup, check_target, opened, restore
from .demo import DEMO_PIN, DEMO_USERS, seed_demo
from .sampling.demo import generate_sampling_day, tube_barcode
from .supervisor.export_files import export
from .extensions import db
from .inputs import InputError, parse_day
from .supervisor.labresults import apply_results, parse_results
from .models import Community, Site, Tube, User
from .purge import compact_sqlite, purge
from .review.demo import seed_review_demo
from .residents.roster import import_roster
from .rosters.demo import seed_rosters
from .rounds.demo import LAB_USER, seed_rounds_demo
from .scheduler import Scheduler
from .tables import TableError


class DayParam(click.ParamType):
    """A local day, YYYY-MM-DD, within the bounds every page uses (server/inputs.py)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        try:
            return parse_day(value)
        except InputError as error:
            self.fail(f"{value!r} is not {error}.", param, ctx)


DAY = DayParam()


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no community.")
@click.option("--residents", default=7300, show_default=True, type=click.IntRange(0, 100_000))
@with_appcontext
def seed_demo_command(if_empty, residents):
    """Load the demo community (code `demo`) with its users, sites and roster."""
    if if_empty and db.session.scalar(select(func.count()).select_from(Community)):
        click.echo("Database already holds data: demo not loaded.")
        return
    result = seed_demo(residents_count=residents)
    seed_review_demo(community_by_code("demo"))  # the review's ledgers, also for an older demo database
    seed_rounds_demo(community_by_code("demo"), DEMO_PIN)  # a round, the lab and a received box
    seed_rosters(community_by_code("demo"), hash_pin(DEMO_PIN))  # the same for the duty rosters
    db.session.commit()
    if not result["created"]:
        click.echo("The demo community already exists: nothing changed.")
        return
    click.echo(f"Demo community 'demo': {result['residents']} residents, {result['sites']} sites.")
    print_demo_logins(DEMO_USERS + (LAB_USER,), DEMO_PIN)


def print_demo_logins(users, pin):
    click.echo("Demo logins (username / PIN):")
    for username, role, _name in users:
        click.echo(f"  {username:<11} {pin}   ({role})")


@click.command("create-community")
@click.argument("code")
@click.option("--name", required=True)
@with_appcontext
def create_community_command(code, name):
    """Create a community."""
    if db.session.scalar(select(Community).where(Community.code == code)):
        raise click.ClickException(f"Community {code!r} already exists.")
    db.session.add(Community(code=code, name=name))
    db.session.commit()
    click.echo(f"Created community {code!r} ({name}).")


def community_by_code(code):
    community = db.session.scalar(select(Community).where(Community.code == code))
    if community is None:
        raise click.ClickException(f"No community {code!r}: create it with create-community.")
    return community


@click.command("create-site")
@click.argument("code")
@click.option("--community", "community_code", required=True)
@click.option("--kind", type=click.Choice(["gate", "sampling_point"]), required=True)
@click.option("--name", required=True)
@click.option("--capacity", default=10, show_default=True,
              type=click.IntRange(TUBE_CAPACITY_MIN, TUBE_CAPACITY_MAX),
              help="People pooled per tube at a sampling point.")
@click.option("--tube-pattern", default=None, help="Regular expression for tube barcodes.")
@with_appcontext
def create_site_command(code, community_code, kind, name, capacity, tube_pattern):
    """Create a gate or a sampling point."""
    community = community_by_code(community_code)
    if tube_pattern:
        try:
            re.compile(tube_pattern)
        except re.error as error:
            raise click.ClickException(f"Bad --tube-pattern: {error}") from None
    if db.session.scalar(select(Site).where(Site.community_id == community.id, Site.code == code)):
        raise click.ClickException(f"Site {code!r} already exists in {community_code!r}.")
    db.session.add(Site(community=community, code=code, kind=kind, name=name,
                        tube_capacity=capacity, tube_pattern=tube_pattern))
    db.session.commit()
    click.echo(f"Created {kind} {code!r} ({name}) in {community_code!r}.")


@click.command("create-user")
@click.argument("username")
@click.option("--pin", required=True, help="4 to 12 digits.")
@click.option("--role", type=click.Choice(["volunteer", "clerk", "supervisor", "admin", "lab"]), required=True)
@click.option("--community", "community_code", required=True)
@click.option("--name", default=None, help="Display name.")
@with_appcontext
def create_user_command(username, pin, role, community_code, name):
    """Create a user who logs in with a PIN."""
    if not valid_pin(pin):
        raise click.ClickException("The PIN must be 4 to 12 digits.")
    community = community_by_code(community_code)
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"User {username!r} already exists.")
    db.session.add(User(username=username, pin_hash=hash_pin(pin), role=role,
                        community=community, display_name=name))
    db.session.commit()
    click.echo(f"Created {role} {username!r} in {community_code!r}.")


@click.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community", "community_code", required=True)
@click.option("--skip-bad", is_flag=True, help="Import the good rows even when some are bad.")
@with_appcontext
def import_roster_command(file, community_code, skip_bad):
    """Import residents from CSV or XLSX (UTF-8 or GBK); all or nothing unless --skip-bad."""
    community = community_by_code(community_code)
    try:
        report = import_roster(file.read_bytes(), file.name, community.id, skip_bad=skip_bad)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    for line, message in report.errors[:50]:
        click.echo(f"line {line}: {message}", err=True)
    if len(report.errors) > 50:
        click.echo(f"... and {len(report.errors) - 50} more bad rows", err=True)
    if report.errors and not skip_bad:
        db.session.rollback()
        raise click.ClickException(
            f"{len(report.errors)} bad rows: nothing imported. Fix them or use --skip-bad.")
    db.session.commit()
    click.echo(f"Imported roster into {community_code!r}: {report.created} new, "
               f"{report.updated} updated, {report.skipped} bad rows skipped.")


@click.command("import-results")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community", "community_code", required=True)
@with_appcontext
def import_results_command(file, community_code):
    """Import lab results (CSV or XLSX); all or nothing; importing twice changes nothing."""
    community = community_by_code(community_code)
    try:
        parsed = parse_results(file.read_bytes(), file.name)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    for line, message in parsed.errors[:50]:
        click.echo(f"line {line}: {message}", err=True)
    if parsed.errors:
        raise click.ClickException(f"{len(parsed.errors)} bad rows: nothing imported.")
    report = apply_results(parsed.rows, community.id)
    audit("import_results", target=f"community:{community.id}", community_id=community.id,
          rows=len(parsed.rows), created=report.created, retests=report.retests)
    db.session.commit()
    for line, tube, first in parsed.duplicates:
        click.echo(f"line {line}: duplicate of line {first} (tube {tube}), ignored")
    for line, tube in report.unknown:
        click.echo(f"line {line}: unknown tube {tube} (result kept for the supervisor)")
    for line, tube, old, new in report.conflicts:
        click.echo(f"line {line}: tube {tube} already has result {old}; {new} not applied")
    click.echo(f"Imported lab results into {community_code!r}: {report.created} new, "
               f"{report.unchanged} already imported, {report.linked} linked to tubes, "
               f"{len(report.unknown)} unknown tubes, {len(parsed.duplicates)} duplicate rows, "
               f"{len(report.conflicts)} conflicts; {report.retests} people added to the retest list.")


@click.command("seed-sampling-day")
@click.option("--community", "community_code", required=True)
@click.option("--date", "day", required=True, type=DAY, help="YYYY-MM-DD (local day).")
@click.option("--tubes", default=100, show_default=True, type=click.IntRange(1, 5000))
@with_appcontext
def seed_sampling_day_command(community_code, day, tubes):
    """Write a day of pooled sampling (sealed, boxed, handed over) straight as rows: for demos."""
    community = community_by_code(community_code)
    if db.session.scalar(select(Tube.id).where(Tube.community_id == community.id,
                                               Tube.barcode == tube_barcode(day, 1))):
        raise click.ClickException(f"{day} already has demo tubes in {community_code!r}.")
    try:
        made = generate_sampling_day(community, day, tubes=tubes)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Wrote {len(made)} tubes ({made[0].barcode} to {made[-1].barcode}) with "
               f"{sum(len(t.samples) for t in made)} samples in {community_code!r} on {day}.")


@click.command("export")
@click.argument("kind", type=click.Choice(["tubes", "gate", "retests"]))
@click.option("--community", "community_code", required=True)
@click.option("--date", "day", required=True, type=DAY, help="YYYY-MM-DD (local day).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--full", is_flag=True, help="Unmasked names, ID numbers and phones (audited).")
@with_appcontext
def export_command(kind, community_code, day, fmt, output, full):
    """Export tubes with members, gate logs or retest lists of one day (masked unless --full)."""
    community = community_by_code(community_code)
    if not output.parent.is_dir():
        raise click.ClickException(f"No folder {output.parent} for the output.")
    _name, content, rows = export(kind, fmt, community.id, day, full=full)
    output.write_bytes(content)
    db.session.commit()
    click.echo(f"Exported {rows} rows of {kind} for {community_code!r} on {day} to {output}"
               f" ({'full values' if full else 'masked'}).")


@click.command("purge")
@click.option("--before", "before", required=True,
              type=DAY, help="YYYY-MM-DD (local date).")
@with_appcontext
def purge_command(before):
    """Delete personal data recorded before a date, keeping anonymous daily counts."""
    done = purge(before)
    db.session.commit()
    click.echo(f"Purged personal data recorded before {before}:")
    for kind, count in done.items():
        click.echo(f"  {kind:<15} {count}")
    if compact_sqlite():
        click.echo("Compacted the SQLite file: deleted rows do not linger in free pages.")
    click.echo("Kept: roster residents, users, devices, audit trail. Backups are yours to purge.")


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one tick (heartbeat and due jobs), then exit.")
@with_appcontext
def scheduler_command(once):
    """Run the periodic jobs on time (missed quarantine reports, upload expiry, ...) until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    scheduler = Scheduler(current_app._get_current_object())
    if once:
        ran = scheduler.run_once()
        click.echo(f"Ran: {', '.join(ran) or 'nothing due'}.")
        return
    click.echo(f"Scheduler {scheduler.owner}: tick {scheduler.tick:g} s; stop with SIGTERM or Ctrl-C.")
    scheduler.run_forever()


@click.command("backup")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The encrypted backup file to write (e.g. /backup/checkpoint-2022-05-06.age).")
@with_appcontext
def backup_command(output):
    """Back up the whole database into one file encrypted with BACKUP_KEY."""
    started = time.monotonic()
    try:
        meta = backup(output)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the {meta['backend']} database (revision {meta['revision']}) to {output}: "
               f"{meta['encrypted_bytes'] / 2**20:.1f} MiB encrypted, "
               f"{time.monotonic() - started:.1f} s. It holds personal data: see README, backups.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore_command(file, yes):
    """Replace the database with a backup (checked in full first; refused if it does not open)."""
    started = time.monotonic()
    try:
        with opened(file) as (meta, database):
            target = check_target(meta)
            if not yes and not click.confirm(
                    f"Replace every row of {target} with the backup of {meta['created_at']} "
                    f"(revision {meta['revision']})? Stop the app and the scheduler first.",
                    default=False):
                raise click.ClickException("Nothing restored.")
            restore(meta, database)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the backup of {meta['created_at']} into {target} "
               f"({time.monotonic() - started:.1f} s). Run `checkpoint init` to migrate it if "
               "this version is newer; restart the app and the scheduler.")


COMMANDS = (backup_command, restore_command, scheduler_command, purge_command, seed_demo_command,
            create_community_command, create_site_command, create_user_command,
            import_roster_command, import_results_command, export_command,
            seed_sampling_day_command)
