"""Login and logout pages."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..audit import audit
from ..extensions import db, login_manager
from ..models import User
from ..sessions import mark_login
from . import bp
from .pins import authenticate
from .throttle import pin_throttled, wrong_pin


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    pin = PasswordField(_l("PIN"), validators=[DataRequired(), Length(min=4, max=12)])


@login_manager.user_loader
def load_user(user_key: str):
    user_id, _sep, version = user_key.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_version) != version:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in.")


@bp.route("/login", methods=["GET", "POST"])
@pin_throttled  # wrong PINs, per account and per address, counted with the device login's
def login():
    """PIN login page."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.pin.data)
        if user is None:
            wrong_pin()
            # One message for unknown user and wrong PIN: no account enumeration.
            form.pin.errors.append(_("Wrong username or PIN."))
        else:
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user)
            mark_login()
            audit("login", target=f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("pages.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out, ending every session of this user (shared phones)."""
    current_user.session_version += 1
    audit("logout", target=f"user:{current_user.id}")
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."))
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: never bounce a fresh login to another host.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None
