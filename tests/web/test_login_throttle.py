"""Login throttling per account across addresses, per address across accounts, and the real
user behind an attacker's address; failed attempts aggregated in the audit log."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from storage.models import AuditLog
from tests.support.env import REDIS_URL, port_open
from tests.support.web import PASSWORD, csrf_token

ATTACKER = "203.0.113.7"


def attempt(client, username: str, password: str = "salah-terus-menerus", ip: str = ATTACKER):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def audit_rows(env, action):
    with env.sessions() as db:
        query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        return list(db.scalars(query))


def test_one_address_rotating_usernames_is_refused(env):
    client = env.app.test_client()
    statuses = [attempt(client, f"tebakan{n:03d}").status_code for n in range(20)]
    assert statuses == [401] * 20
    refused = attempt(client, "tebakan-baru")
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan masuk" in refused.get_data(as_text=True)
    # ... even with the right password of a real account, from that address, without its cookie
    assert attempt(env.app.test_client(), "guard1", PASSWORD).status_code == 429
    # another address is not affected
    assert attempt(env.app.test_client(), "guard1", PASSWORD, ip="198.51.100.2").status_code == 302


def test_one_account_guessed_from_many_addresses_is_refused(env):
    for n in range(10):
        response = attempt(env.app.test_client(), "bupati1", ip=f"198.51.100.{n + 10}")
        assert response.status_code == 401, n
    refused = attempt(env.app.test_client(), "bupati1", PASSWORD, ip="192.0.2.99")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600  # a window, never for ever
    # other accounts are not affected
    assert attempt(env.app.test_client(), "guard1", PASSWORD, ip="192.0.2.99").status_code == 302


def test_the_real_user_behind_the_attackers_address_still_gets_in(env):
    real_browser = env.app.test_client()
    assert attempt(real_browser, "guard1", PASSWORD).status_code == 302  # sets the device cookie
    assert real_browser.get_cookie("tamu_device") is not None
    real_browser.post("/logout", data={"csrf_token": csrf_token(real_browser, "/guard/")})
    attacker = env.app.test_client()
    for n in range(25):  # the same address, at the same account and at others
        attempt(attacker, "guard1" if n % 2 else f"tebakan{n:03d}")
    assert attempt(attacker, "guard1", PASSWORD).status_code == 429
    assert attempt(real_browser, "guard1", PASSWORD).status_code == 302
    assert real_browser.get("/guard/").status_code == 200


def test_a_device_cookie_only_helps_its_own_account_and_is_throttled_itself(env):
    browser = env.app.test_client()
    assert attempt(browser, "guard1", PASSWORD).status_code == 302
    statuses = [attempt(browser, "guard1").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    forged = env.app.test_client()
    forged.set_cookie("tamu_device", "eyJ1IjoiYnVwYXRpMSJ9.forged.signature")
    for _ in range(5):
        attempt(forged, "bupati1")
    assert attempt(forged, "bupati1", PASSWORD).status_code == 429


def test_repeated_failures_are_one_audit_row_with_a_count(env):
    client = env.app.test_client()
    for _ in range(4):
        attempt(client, "guard1")
    attempt(client, "guard1", ip="198.51.100.5")
    (burst, other) = audit_rows(env, "login_failed")
    assert (burst.target, burst.count, burst.username) == ("guard1", 4, None)
    assert json.loads(burst.detail) == {"ip": ATTACKER, "reason": "bad"}
    assert burst.last_at >= burst.at
    assert (other.count, json.loads(other.detail)["ip"]) == (1, "198.51.100.5")
    attempt(client, "guard1")  # the fifth from the attacker: still the same burst
    for _ in range(3):
        assert attempt(client, "guard1").status_code == 429
    assert [r.count for r in audit_rows(env, "login_failed")] == [5, 1]
    (throttled,) = audit_rows(env, "login_throttled")
    assert (throttled.target, throttled.count) == ("guard1", 3)


def test_the_audit_page_shows_a_bursts_count(env):
    client = env.app.test_client()
    for _ in range(3):
        attempt(client, "guard1")
    page = env.client("security").get("/review/audit?action=login_failed")
    assert page.status_code == 200
    assert 'data-testid="audit-count">×3<' in page.get_data(as_text=True)


@pytest.mark.redis
def test_with_redis_the_counters_live_in_redis_for_every_web_process(make_env):
    if not port_open("127.0.0.1", 6379):
        pytest.skip("Redis is not listening on 127.0.0.1:6379")
    import redis

    env = make_env(events={"redis_url": REDIS_URL})
    user = f"orang-{uuid.uuid4().hex[:8]}"
    for n in range(10):
        assert attempt(env.app.test_client(), user, ip=f"198.51.100.{n}").status_code == 401
    assert attempt(env.app.test_client(), user, ip="192.0.2.1").status_code == 429
    store = redis.Redis.from_url(REDIS_URL)
    keys = store.keys(f"*{user}*")
    assert keys and all(b"tamu" in key for key in keys)
    store.delete(*keys)  # what another web process sees is what Redis holds
    assert attempt(env.app.test_client(), user, ip="192.0.2.1").status_code == 401
    for pattern in (f"*{user}*", "*tamu*login-ip:198.51.100.*", "*tamu*login-ip:192.0.2.1*"):
        for key in store.scan_iter(match=pattern):
            store.delete(key)
