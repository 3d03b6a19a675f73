"""Sessions and users read from their signed copies in Redis (config.session_cache), against a
private redis-server: a warm page reads neither row, every way out of a session works at once,
what Redis holds gives a grading machine nothing to use, and Redis going away fails nothing."""

import json
import pickle
import time

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import session_cache
from tests import services

pytestmark = pytest.mark.django_db

PASSWORD = "Sess10n-cache!"  # noqa: S105 - the test's own


@pytest.fixture
def private_redis(tmp_path, settings):
    server = services.RedisServer(port=services.free_port(), workdir=tmp_path)
    server.start()
    settings.SESSION_CACHE_URL = server.url
    yield server
    server.stop()
    session_cache.reset_breaker()


def _store(server):
    import redis

    return redis.Redis.from_url(server.url)


def _log_in(user) -> Client:
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def _home(client, course):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("course", args=[course.slug]))
    return response, [q["sql"] for q in queries.captured_queries]


def _reads(sqls, table):
    return [sql for sql in sqls if f'FROM "{table}"' in sql]


def test_a_warm_page_reads_neither_the_session_nor_the_user(private_redis, alice, course):
    client = _log_in(alice)
    _home(client, course)
    response, sqls = _home(client, course)
    assert response.status_code == 200 and "alice" in response.content.decode()
    assert not _reads(sqls, "django_session") and not _reads(sqls, "auth_user")
    django_settings.SESSION_CACHE_URL = ""  # and with no copies, both rows again
    try:
        _, sqls = _home(client, course)
    finally:
        django_settings.SESSION_CACHE_URL = private_redis.url
    assert _reads(sqls, "django_session") and _reads(sqls, "auth_user")


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(private_redis, alice, course):
    client = _log_in(alice)
    assert _home(client, course)[0].status_code == 200
    thief = Client()
    thief.cookies = client.cookies  # the same cookie, elsewhere
    assert _home(thief, course)[0].status_code == 200
    client.post(reverse("logout"))
    assert _home(thief, course)[0].status_code == 302


def test_a_new_password_keeps_its_own_session_and_ends_the_others(private_redis, alice, course):
    here = _log_in(alice)
    there = Client()
    assert there.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    for client in (here, there):
        assert _home(client, course)[0].status_code == 200  # both warm: users read from their copy
    # The form checks the old password: the kept user reads its hash from the database for it.
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "An0ther-Passw0rd", "new_password2": "An0ther-Passw0rd"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _home(here, course)[0].status_code == 200
    assert _home(there, course)[0].status_code == 302


def test_a_deactivated_user_is_out_on_the_next_page(private_redis, alice, course):
    client = _log_in(alice)
    assert _home(client, course)[0].status_code == 200
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert _home(client, course)[0].status_code == 302


def test_what_redis_holds_names_no_cookie_and_holds_no_password_hash(private_redis, alice, course):
    client = _log_in(alice)
    _home(client, course)
    store = _store(private_redis)
    names = [name.decode() for name in store.keys("*")]
    assert len(names) == 2, names  # the session's copy and the user's
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    alice.refresh_from_db()
    for name in names:
        # Signed, not encrypted: anyone with Redis reads what a value says.
        said = json.dumps(signing.loads(store.get(name).decode(), salt=session_cache._salt(name)))
        assert cookie not in name and cookie not in said
        assert alice.password not in said and "argon2" not in said


def test_a_forged_or_copied_entry_is_refused(private_redis, alice, bob, course):
    as_alice, as_bob = _log_in(alice), _log_in(bob)
    for client in (as_alice, as_bob):
        _home(client, course)
    store = _store(private_redis)
    alice_name = session_cache._name("session", as_alice.cookies[django_settings.SESSION_COOKIE_NAME].value)
    bob_name = session_cache._name("session", as_bob.cookies[django_settings.SESSION_COOKIE_NAME].value)
    # Bob's signed session copied under Alice's name: its signature names Bob's entry.
    store.set(alice_name, store.get(bob_name))
    response, sqls = _home(as_alice, course)
    assert "alice" in response.content.decode() and _reads(sqls, "django_session")
    # A pickle (what Django's cache framework would load) and plain junk: neither is read.
    for junk in (pickle.dumps({"_auth_user_id": str(bob.pk)}), b"\xff\xfe not ascii", b"{}"):
        store.set(alice_name, junk)
        response, sqls = _home(as_alice, course)
        assert response.status_code == 200 and "alice" in response.content.decode()
        assert _reads(sqls, "django_session")


def test_a_copy_written_back_after_its_minute_is_refused(private_redis, alice, course, monkeypatch):
    client = _log_in(alice)
    _home(client, course)
    store = _store(private_redis)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    name = session_cache._name("session", cookie)
    captured = store.get(name)
    client.post(reverse("logout"))  # the row and the copy are gone
    thief = Client()
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = cookie  # and kept by someone, with the copy
    store.set(name, captured)
    assert _home(thief, course)[0].status_code == 200  # within its minute: the bound this design accepts
    later = time.time() + session_cache.CACHE_SECONDS + 1
    monkeypatch.setattr(session_cache.time, "time", lambda: later)
    store.set(name, captured)
    assert _home(thief, course)[0].status_code == 302


def test_with_redis_gone_everything_works_from_the_database(private_redis, alice, course):
    client = _log_in(alice)
    assert _home(client, course)[0].status_code == 200
    private_redis.stop()
    response, sqls = _home(client, course)
    assert response.status_code == 200 and _reads(sqls, "django_session")
    assert client.post(reverse("logout")).status_code == 302
    assert _home(client, course)[0].status_code == 302
    client = _log_in(alice)  # a new session, saved with Redis away
    assert _home(client, course)[0].status_code == 200
    private_redis.start()
    session_cache.reset_breaker()  # or BREAKER_SECONDS later
    _home(client, course)
    response, sqls = _home(client, course)
    assert response.status_code == 200 and not _reads(sqls, "django_session")


def test_a_session_saved_before_the_cached_backend_still_works(private_redis, alice, course):
    """Sessions from before name django.contrib.auth's ModelBackend, which is no longer listed
    (listed too, it would check every wrong password twice): they read as naming ours."""
    from django.contrib.auth import BACKEND_SESSION_KEY

    client = _log_in(alice)
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    store = session_cache.SessionStore(key)
    store[BACKEND_SESSION_KEY] = session_cache.LEGACY_BACKEND
    store.save()
    session_cache._drop(session_cache._name("session", key))
    assert _home(client, course)[0].status_code == 200
