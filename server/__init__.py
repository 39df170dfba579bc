"""Checkpoint server: create_app wires configuration, extensions and blueprints."""
import os
from importlib import import_module

from flask import Flask

from . import config as config_module

VERSION = "0.1.0"
# The feature packages, each with its blueprint `bp` (and its URL prefix) and its PARTS: the
# one list create_app imports and registers.
FEATURES = ("auth", "pages", "gate", "sampling", "residents", "supervisor", "ledgers", "review", "rounds",
            "lab", "rosters", "api")


def create_app(test_config: dict | None = None) -> Flask:
    """Build an app: defaults < instance/config.py < CHECKPOINT_* environment < test_config."""
    instance_path = os.environ.get("CHECKPOINT_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
        static_folder="../static",
        template_folder="../templates",
    )
    app.config.from_mapping(config_module.DEFAULTS)
    app.config["VERSION"] = VERSION
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(config_module.from_environment())
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "checkpoint.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    _check_secrets(app)
    from . import logredact

    logredact.install("werkzeug", app.logger.name)  # request lines, "Exception on <path>"

    from . import database, errors, i18n, labels, privacy, ratelimit, security, sessions, textinput  # noqa: F401
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    privacy.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    database.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    errors.init_app(app)
    textinput.init_app(app)

    from .inputs import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    packages = [import_module(f"{__name__}.{feature}") for feature in FEATURES]
    for package in packages:  # their routes and record handlers, before the blueprints register
        for part in package.PARTS:
            import_module(f"{package.__name__}.{part}")
    for package in packages:
        app.register_blueprint(package.bp)
    from . import access

    access.init_app(app)

    from .commands import COMMANDS
    from .ledgers.cli import COMMANDS as LEDGER_COMMANDS

    for command in COMMANDS + LEDGER_COMMANDS:
        app.cli.add_command(command)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from the proxies the operator declared: otherwise
    anyone could pick the address the login throttle counts against."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


# Secrets copied from examples and tutorials: anyone could sign a session with them.
PLACEHOLDER_SECRETS = {"dev", "secret", "changeme", "change-me", "change_me", "development",
                       "secret-key", "secret_key", "your-secret-key", "replace-me", "test"}
MIN_SECRET_LENGTH = 32


def _check_secrets(app: Flask) -> None:
    """Refuse to start without keys: a default secret would sign anyone's session."""
    if app.config.get("ALLOW_MISSING_KEYS"):
        return
    missing = [k for k in ("SECRET_KEY", "DATA_KEY", "HASH_KEY") if not app.config.get(k)]
    if missing:
        raise RuntimeError(
            f"Missing {', '.join(missing)}: run `checkpoint init` to write the instance config "
            f"({app.instance_path}/config.py) or set CHECKPOINT_<NAME> variables."
        )
    secret = str(app.config["SECRET_KEY"])
    if len(secret) < MIN_SECRET_LENGTH or secret.strip().lower() in PLACEHOLDER_SECRETS:
        raise RuntimeError(
            f"SECRET_KEY is too short or a known placeholder: use at least {MIN_SECRET_LENGTH} "
            "random characters (`checkpoint init` writes one).")
