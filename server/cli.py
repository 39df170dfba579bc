"""The `checkpoint` console command: the app's commands (server/commands.py, the ledgers'
server/ledgers/cli.py) plus the ones that run before the app can start (no instance config yet,
or a broken one): init, doctor, serve, tls-cert, serve-info, demo-logins.

This is the top of the import graph: it imports the app factory, and nothing imports it."""
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from . import create_app
from .commands import print_demo_logins
from .instance import add_missing_keys, instance_path, write_instance_config
from .demo import DEMO_PIN, DEMO_USERS
from .doctor import run as run_doctor
from .netinfo import ensure_lan_cert, print_addresses
from .serve import serve_command


@click.command("init")
def init_command():
    """Write the instance config with fresh keys if missing, then migrate the database."""
    path = instance_path()
    if write_instance_config(path):
        click.echo(f"Wrote {path}/config.py with new secret and encryption keys.")
    else:
        added = add_missing_keys(path)
        click.echo(f"Kept existing {path}/config.py" + (f"; added {', '.join(added)}." if added else "."))
    app = create_app()
    with app.app_context():
        upgrade()
    click.echo(f"Database migrated: {_safe_url(app.config['SQLALCHEMY_DATABASE_URI'])}")


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@click.command("demo-logins")
def demo_logins_command():
    """Print the demo users and their PIN."""
    print_demo_logins(DEMO_USERS, DEMO_PIN)


@click.command("tls-cert")
@click.option("--force", is_flag=True, help="Replace an existing certificate.")
def tls_cert_command(force):
    """Write a self-signed certificate for phones on the LAN (instance/tls-cert.pem)."""
    path = Path(instance_path())
    cert = path / "tls-cert.pem"
    if not ensure_lan_cert(path, force):
        click.echo(f"Kept existing certificate {cert}.")
        return
    click.echo(f"Wrote {cert} (self-signed; see README: trusting it on a phone).")


@click.command("serve-info")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--https", "https", is_flag=True)
def serve_info_command(host, port, https):
    """Print where phones and browsers can open the app (with a QR code of the LAN address)."""
    print_addresses(host, port, https)


@click.command("doctor")
@click.option("--url", default=None, help="The address phones use (e.g. https://checkpoint.example.org): "
              "the running app reports what it sees of a request to it.")
@click.option("--insecure", is_flag=True, help="Accept the self-signed LAN certificate at --url.")
def doctor_command(url, insecure):
    """Check this deployment and name each problem in plain words (exit 1 if any)."""
    report = run_doctor(url, insecure, create_app)
    click.echo(f"Checkpoint doctor: instance {instance_path()}" + (f", {url}" if url else ""))
    for line in report.lines():
        click.echo(f"  {line}")
    click.echo(f"{report.failures} problem(s), {report.warnings} warning(s).")
    if report.failures:
        sys.exit(1)


def main() -> None:
    """Console script `checkpoint`."""
    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True,
                       help="Checkpoint: epidemic-control gates, pooled sampling, reconciliation.")
    # These run before the instance config (and so the app) exists, or when it cannot start.
    for command in (init_command, tls_cert_command, serve_info_command, demo_logins_command,
                    serve_command, doctor_command):
        group.add_command(command)
    sys.exit(group.main(prog_name="checkpoint"))
