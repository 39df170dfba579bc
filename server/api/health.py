"""Liveness for load balancers and the phone's online check."""
from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import bp


@bp.get("/health")
def health():
    """Server and database status (no token needed)."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        db_status = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        db_status = "unavailable"
    status = "ok" if db_status == "ok" else "degraded"
    body = {"status": status, "db": db_status, "version": current_app.config["VERSION"]}
    return jsonify(body), 200 if status == "ok" else 503
