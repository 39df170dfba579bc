"""Commands of the ledgers: door-sensor integrations and sensors, the simulator, and the
missed-report check (run it from cron every 15 minutes)."""
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..commands import community_by_code
from ..extensions import db
from ..inputs import InputError, bounded
from ..models import DoorSensor, Integration, utcnow
from .doors import (
    SensorError,
    add_sensor,
    create_integration,
    find_sensor,
    household_label,
    remove_sensor,
    revoke_integration,
)
from .quarantine import raise_missed
from .simulate import send, signed_request


@click.command("create-integration")
@click.argument("name")
@click.option("--community", "community_code", required=True)
@with_appcontext
def create_integration_command(name, community_code):
    """Create a door-sensor integration; prints its key and secret once."""
    integration, secret = create_integration(community_by_code(community_code).id, name)
    db.session.commit()
    click.echo(f"Created integration {name!r} in {community_code!r}.")
    click.echo(f"  key:    {integration.key_id}")
    click.echo(f"  secret: {secret}")
    click.echo("The secret is shown only now: give it to the platform over a safe channel.")


@click.command("add-door-sensor")
@click.argument("sensor_id")
@click.option("--community", "community_code", required=True)
@click.option("--building", required=True)
@click.option("--unit", default=None)
@click.option("--room", default=None)
@with_appcontext
def add_door_sensor_command(sensor_id, community_code, building, unit, room):
    """Map a door sensor to a household of the roster (building, unit, room); moves a known
    sensor. Refused when no roster resident lives there."""
    try:
        sensor = add_sensor(community_by_code(community_code).id, sensor_id, building, unit, room)
    except SensorError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Sensor {sensor.sensor_id!r} watches household "
               f"{household_label(sensor.building, sensor.unit, sensor.room)}.")


@click.command("door-sensors")
@click.option("--community", "community_code", required=True)
@with_appcontext
def door_sensors_command(community_code):
    """List a community's door sensors and the platforms' keys."""
    community = community_by_code(community_code)
    sensors = db.session.scalars(select(DoorSensor).where(DoorSensor.community_id == community.id)
                                 .order_by(DoorSensor.building, DoorSensor.unit, DoorSensor.room)).all()
    for sensor in sensors:
        click.echo(f"sensor {sensor.sensor_id}\t{household_label(sensor.building, sensor.unit, sensor.room)}")
    for integration in db.session.scalars(select(Integration).where(
            Integration.community_id == community.id).order_by(Integration.id)):
        state = f"revoked {integration.revoked_at:%Y-%m-%d %H:%M}Z" if integration.revoked_at else "active"
        click.echo(f"key {integration.key_id}\t{integration.name}\t{state}")
    click.echo(f"{len(sensors)} sensors.")


@click.command("remove-door-sensor")
@click.argument("sensor_id")
@click.option("--community", "community_code", required=True)
@with_appcontext
def remove_door_sensor_command(sensor_id, community_code):
    """Stop a door sensor watching its household."""
    sensor = find_sensor(community_by_code(community_code).id, sensor_id)
    if sensor is None:
        raise click.ClickException(f"No sensor {sensor_id!r} in {community_code!r}.")
    remove_sensor(sensor)
    db.session.commit()
    click.echo(f"Sensor {sensor_id!r} removed.")


@click.command("revoke-integration")
@click.argument("key_id")
@with_appcontext
def revoke_integration_command(key_id):
    """Revoke a platform's key: its next event is refused (401)."""
    integration = db.session.scalar(select(Integration).where(Integration.key_id == key_id))
    if integration is None:
        raise click.ClickException(f"No integration with key {key_id!r}.")
    if revoke_integration(integration, utcnow()):
        db.session.commit()
        click.echo(f"Key {key_id} revoked.")
    else:
        click.echo(f"Key {key_id} was already revoked.")


@click.command("simulate-door-events")
@click.option("--key", "key_id", required=True)
@click.option("--secret", required=True)
@click.option("--sensor", "sensor_id", required=True)
@click.option("--action", type=click.Choice(["open", "close"]), default="open", show_default=True)
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 1000))
@click.option("--url", default=None, help="Server to post to (default: this app, in-process).")
@with_appcontext
def simulate_door_events_command(key_id, secret, sensor_id, action, count, url):
    """Sign and send door events as the property platform would."""
    client = None if url else current_app.test_client()
    failed = 0
    for _n in range(count):
        body, headers = signed_request(key_id, secret, sensor_id, action)
        status, answer = send(body, headers, url=url, client=client)
        click.echo(f"{status} {answer}")
        failed += status != 200
    if failed:
        raise click.ClickException(f"{failed} of {count} events refused.")


@click.command("check-quarantine")
@click.option("--now", "now", default=None, help="ISO time to check at (default: now).")
@with_appcontext
def check_quarantine_command(now):
    """Flag temperature reports of home quarantine / monitoring whose slot passed unreported."""
    try:
        moment = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
    except ValueError:
        raise click.ClickException("--now must be an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise click.ClickException("--now needs a time zone, e.g. 2022-05-06T12:30+08:00.")
    try:
        moment = bounded(moment)
    except InputError as error:
        raise click.ClickException(f"--now must be {error}.") from None
    flags = raise_missed(moment)
    db.session.commit()
    click.echo(f"Missed reports flagged: {len(flags)}.")


COMMANDS = (create_integration_command, add_door_sensor_command, door_sensors_command,
            remove_door_sensor_command, revoke_integration_command, simulate_door_events_command,
            check_quarantine_command)
