"""Commands of the ledgers: door-sensor integrations and sensors, the simulator, and the
missed-report check (run it from cron every 15 minutes)."""
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db


def _community(code):
    from ..cli import _community as find

    return find(code)


@click.command("create-integration")
@click.argument("name")
@click.option("--community", "community_code", required=True)
@with_appcontext
def create_integration_command(name, community_code):
    """Create a door-sensor integration; prints its key and secret once."""
    from .doors import create_integration

    integration, secret = create_integration(_community(community_code).id, name)
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
    """Map a door sensor to its household (building, unit, room); updates a known sensor."""
    from .doors import add_sensor

    add_sensor(_community(community_code).id, sensor_id, building, unit, room)
    db.session.commit()
    household = "-".join(p for p in (building, unit, room) if p)
    click.echo(f"Sensor {sensor_id!r} watches household {household}.")


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
    from .simulate import send, signed_request

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
    from .quarantine import raise_missed

    try:
        moment = datetime.fromisoformat(now) if now else datetime.now(timezone.utc)
    except ValueError:
        raise click.ClickException("--now must be an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise click.ClickException("--now needs a time zone, e.g. 2022-05-06T12:30+08:00.")
    flags = raise_missed(moment)
    db.session.commit()
    click.echo(f"Missed reports flagged: {len(flags)}.")


COMMANDS = (create_integration_command, add_door_sensor_command, simulate_door_events_command,
            check_quarantine_command)
