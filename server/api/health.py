"""Liveness for load balancers and monitoring: {"status", "db", "version"} (the contract), plus
why the server is "degraded" when it is: it still answers (200) but something needs an
operator. 503 only when the database cannot be reached, since then nothing can be stored."""
import os
import shutil

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..scheduler import status as scheduler_status
from . import bp

REASONS = {
    "database_read_only": "The database refuses writes (read-only): phones cannot sync.",
    "disk_nearly_full": "The disk is nearly full: soon nothing can be stored.",
    "scheduler_silent": "The scheduler stopped beating: missed quarantine reports are not flagged.",
    "scheduler_never_ran": "No scheduler has ever run (`checkpoint scheduler`): nothing periodic runs.",
}


@bp.get("/health")
def health():
    """Server and database status (no token needed)."""
    body = {"status": "ok", "db": "ok", "version": current_app.config["VERSION"]}
    reasons = []
    try:
        db.session.execute(text("SELECT 1"))
        if database_read_only():
            reasons.append("database_read_only")
        scheduler = scheduler_status(current_app)
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        body.update(status="degraded", db="unavailable")
        return jsonify(body), 503
    body["scheduler"] = {"status": scheduler["status"], "last_beat":
                         scheduler["last_beat"].isoformat() if scheduler["last_beat"] else None}
    if scheduler["status"] != "ok":
        reasons.append(f"scheduler_{scheduler['status'].replace('never', 'never_ran')}")
    disk = disk_space()
    body["disk"] = disk
    if disk["low"]:
        reasons.append("disk_nearly_full")
    if reasons:
        body["status"] = "degraded"
        body["reasons"] = [{"code": code, "message": REASONS[code]} for code in reasons]
    return jsonify(body), 200


def database_read_only() -> bool:
    """The database would refuse a write: PostgreSQL read-only (a replica, or
    default_transaction_read_only), SQLite query_only or a file/folder it cannot write."""
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(text("SHOW transaction_read_only")).scalar() == "on"
    if db.session.execute(text("PRAGMA query_only")).scalar():
        return True
    path = db.engine.url.database
    if path and path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))
    return False


def watched_folders() -> list[str]:
    """Where the server writes: the instance folder (uploads, keys) and a SQLite database's."""
    folders = [current_app.instance_path]
    path = db.engine.url.database if db.engine.dialect.name == "sqlite" else None
    if path and path != ":memory:":
        folders.append(os.path.dirname(os.path.abspath(path)))
    return [f for f in dict.fromkeys(folders) if os.path.isdir(f)]


def disk_space() -> dict:
    """The fullest of the folders the server writes to, and whether it is nearly full
    (under MIN_FREE_DISK_MB or MIN_FREE_DISK_PERCENT free)."""
    worst = None
    for folder in watched_folders():
        usage = shutil.disk_usage(folder)
        free_mb, percent = usage.free // 2**20, 100 * usage.free / usage.total if usage.total else 0
        if worst is None or free_mb < worst["free_mb"]:
            worst = {"folder": folder, "free_mb": free_mb, "free_percent": round(percent, 1)}
    if worst is None:
        return {"free_mb": None, "free_percent": None, "low": False}
    config = current_app.config
    worst["low"] = (worst["free_mb"] < config["MIN_FREE_DISK_MB"]
                    or worst["free_percent"] < config["MIN_FREE_DISK_PERCENT"])
    del worst["folder"]  # where files live is nobody's business on a public endpoint
    return worst
