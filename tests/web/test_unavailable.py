"""When the database is down, every page answers 503 with a clear message, in both languages."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from storage.db import make_engine
from tests.support.serving import free_port
from tests.support.web import PASSWORD, csrf_token

pytestmark = pytest.mark.postgres
MESSAGE_ID = "Basis data sedang tidak dapat dihubungi"
MESSAGE_EN = "The database cannot be reached right now"


def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def assert_unavailable(response, message=MESSAGE_ID):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert message in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_a_dropped_database_gives_a_clear_503_on_every_kind_of_request(
    make_env, pg_url, pg_server, caplog
):
    env = make_env(pg_url)
    guard = env.client("guard")
    english = env.client("bupati")
    english.post("/language", data={"lang": "en", "csrf_token": csrf_token(english, "/bupati/")})
    assert guard.get("/guard/").status_code == 200
    drop_database(pg_server, pg_url)
    with caplog.at_level(logging.ERROR, logger="web.responses"):
        assert_unavailable(guard.get("/guard/"))
    assert_unavailable(english.get("/bupati/"), MESSAGE_EN)
    fetch = guard.get("/guard/status", headers={"X-Requested-With": "fetch"})
    assert fetch.status_code == 503
    assert fetch.get_json() == {"ok": False, "error": fetch.get_json()["error"]}
    assert MESSAGE_ID in fetch.get_json()["error"]
    fresh = env.app.test_client()
    token = csrf_token(fresh)
    login = fresh.post(
        "/login", data={"username": "guard1", "password": PASSWORD, "csrf_token": token}
    )
    assert_unavailable(login)
    logged = [r for r in caplog.records if r.name == "web.responses"]
    assert logged and all(r.exc_info is None for r in logged)  # one line each, no traceback
    assert "database unavailable on GET /guard/" in logged[0].getMessage()


def test_a_server_that_is_not_listening_gives_a_clear_503(make_env, pg_url):
    env = make_env(pg_url)  # seeds users and cameras there, then point an app elsewhere
    from web import create_app

    closed = f"postgresql+psycopg://tamu@127.0.0.1:{free_port()}/tamu"
    config = env.config.model_copy(
        update={"storage": env.config.storage.model_copy(update={"database_url": closed})}
    )
    app = create_app(config, testing=True)
    client = app.test_client()
    assert client.get("/login").status_code == 200  # needs no database
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "guard1", "password": PASSWORD, "csrf_token": token}
    )
    assert_unavailable(response)
    app.extensions["tamu"].engine.dispose()
