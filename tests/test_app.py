"""The app's foundation: health, configuration, languages, headers, database settings."""
import pytest
from sqlalchemy import text

from server import create_app
from server.extensions import db


def test_health_answers_ok_without_a_token(app, client):
    from server.scheduler import Scheduler

    Scheduler(app, tick=1).run_once()  # a deployment runs its scheduler (else: "degraded")
    db.session.commit()
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["db"] == "ok" and body["version"]
    assert "reasons" not in body


def test_app_refuses_to_start_without_keys():
    with pytest.raises(RuntimeError, match="checkpoint init"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_login_page_speaks_chinese_by_default_and_english_when_asked(client):
    zh = client.get("/login").get_data(as_text=True)
    assert "登录" in zh and 'lang="zh-CN"' in zh
    en = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Log in" in en and "登录" not in en and 'lang="en"' in en


def test_pages_send_protective_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "'wasm-unsafe-eval'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_connections_use_wal_full_sync_foreign_keys_and_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO site (community_id, code, name, kind, tube_capacity) "
            "VALUES (999, 'X', 'x', 'gate', 10)"))
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_site_of_unknown_kind(world):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO site (community_id, code, name, kind, tube_capacity) "
            f"VALUES ({world['a']['community'].id}, 'X', 'x', 'shop', 10)"))
        db.session.flush()
    db.session.rollback()


def test_client_modules_are_served_as_javascript(client):
    with client.get("/client/scanner/classify.js") as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert b"export function classify" in response.get_data()
    assert client.get("/client/scanner/../../server/config.py").status_code == 404
    assert client.get("/client/nowhere/x.js").status_code == 404
