"""Flask extensions, created unbound; create_app binds them with init_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from .csrf_origin import OriginCheckingCSRF


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = OriginCheckingCSRF()  # token + same-origin check (server/csrf_origin.py)
babel = Babel()
# No default limits: only the routes that guard PINs are limited, explicitly.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
