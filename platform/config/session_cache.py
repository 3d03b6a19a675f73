"""Sessions and their users kept in Redis for a minute, so that a page reads neither from the database.

Every request read its session row and then its user row: two of an item page's four to six
queries, on every request of a deadline burst (bench/burst.py). The database stays the record:
a session is written there as before, and what Redis holds is a copy that lives at most
CACHE_SECONDS, rewritten or dropped at each save, logout, password change or deactivation.

Redis is the Celery broker, which grading machines reach too (docs/architecture.md, trust
boundary), so nothing read from it is trusted before its signature checks:
- an entry's name is an HMAC of the session key (a machine that lists the keys learns no cookie);
- its value is JSON signed with SECRET_KEY and with its own name, and carries the moment it
  stops being good (a value copied to another name, or written back after that moment, fails);
- values are never unpickled (Django's cache framework would unpickle before any check).

Redis unreachable: this process reads and writes the database alone for BREAKER_SECONDS, then
tries again; no request fails for it. What such an outage can leave behind is a copy that could
not be dropped, good for at most CACHE_SECONDS after it was written.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from datetime import datetime
from functools import lru_cache

import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core import signing
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

log = logging.getLogger(__name__)

CACHE_SECONDS = 60
LEGACY_BACKEND = "django.contrib.auth.backends.ModelBackend"
CURRENT_BACKEND = "config.session_cache.CachedModelBackend"
BREAKER_SECONDS = 5.0
PREFIX = "site:auth:"

_down_until = 0.0
_down_lock = threading.Lock()
_namespace = ""  # the same in every process; forget() gives this one its own


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)


@receiver(setting_changed)
def _settings_changed(setting, **kwargs) -> None:
    if setting in ("SESSION_CACHE_URL", "REDIS_URL"):
        _client.cache_clear()
        reset_breaker()


def reset_breaker() -> None:
    global _down_until
    with _down_lock:
        _down_until = 0.0


def _redis() -> redis.Redis | None:
    url = getattr(settings, "SESSION_CACHE_URL", "")
    if not url or time.monotonic() < _down_until:
        return None
    return _client(url)


def _failed(action: str, exc: Exception) -> None:
    global _down_until
    with _down_lock:
        was_up = time.monotonic() >= _down_until
        _down_until = time.monotonic() + BREAKER_SECONDS
    if was_up:
        log.warning("session cache unreachable (%s: %s); the database alone for %ss", action, exc, BREAKER_SECONDS)


def forget() -> None:
    """This process stops seeing every copy written so far (tests, between tests: a rolled-back
    test leaves copies of users whose ids the next test's users take)."""
    global _namespace
    _namespace = secrets.token_hex(8)


def _name(kind: str, key: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{_namespace}{kind}:{key}".encode(), hashlib.sha256).hexdigest()
    return f"{PREFIX}{kind}:{digest}"


def _salt(name: str) -> str:
    return f"config.session_cache:{name}"


def _read(name: str) -> dict | None:
    client = _redis()
    if client is None:
        return None
    try:
        raw = client.get(name)
    except redis.RedisError as exc:
        _failed("read", exc)
        return None
    if raw is None:
        return None
    try:
        signed = raw.decode("ascii")
        entry = signing.loads(signed, salt=_salt(name), serializer=signing.JSONSerializer)
    except (UnicodeDecodeError, signing.BadSignature, ValueError):
        log.warning("session cache: an entry that is not ours under %s, ignored", name)
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("until"), (int, float)) or entry["until"] < time.time():
        return None
    data = entry.get("data")
    return data if isinstance(data, dict) else None


def _write(name: str, data: dict, seconds: int) -> None:
    seconds = min(CACHE_SECONDS, int(seconds))
    if seconds <= 0:
        _drop(name)
        return
    client = _redis()
    if client is None:
        return
    try:
        signed = signing.dumps(
            {"until": time.time() + seconds, "data": data}, salt=_salt(name), serializer=signing.JSONSerializer
        )
    except (TypeError, ValueError):  # only what JSON carries is kept; the rest is read from the database
        return
    try:
        client.set(name, signed.encode("ascii"), ex=seconds)
    except redis.RedisError as exc:
        _failed("write", exc)


def _drop(name: str) -> None:
    client = _redis()
    if client is None:
        if getattr(settings, "SESSION_CACHE_URL", ""):
            log.warning("session cache: could not drop %s (Redis away); it lapses within %ss", name, CACHE_SECONDS)
        return
    try:
        client.delete(name)
    except redis.RedisError as exc:
        _failed("drop", exc)
        log.warning("session cache: could not drop %s (%s); it lapses within %ss", name, exc, CACHE_SECONDS)


class SessionStore(DBStore):
    """Django's database sessions, read from the signed copy in Redis when there is one."""

    def load(self):
        if self.session_key is not None:
            data = _read(_name("session", self.session_key))
            if data is not None:
                return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        if data.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND:  # saved before CachedModelBackend
            data[BACKEND_SESSION_KEY] = CURRENT_BACKEND
        self._keep(data, row.expire_date)
        return data

    def _keep(self, data: dict, expires: datetime) -> None:
        _write(_name("session", self.session_key), data, (expires - timezone.now()).total_seconds())

    def save(self, must_create=False):
        super().save(must_create=must_create)
        self._keep(self._get_session(no_load=must_create), self.get_expiry_date())

    def delete(self, session_key=None):
        key = session_key if session_key is not None else self.session_key
        super().delete(session_key)
        if key is not None:
            _drop(_name("session", key))


# A user's own columns as JSON carries them, without the password hash: grading machines can read
# Redis, and a hash is what offline cracking needs. The session's auth hash (an HMAC of it with
# SECRET_KEY, which the session holds anyway) stands in for it when the session is verified.
def _user_row(user) -> dict:
    row = {"session_auth_hash": user.get_session_auth_hash()}
    for field in user._meta.concrete_fields:
        if field.attname == "password":
            continue
        value = field.value_from_object(user)
        row[field.attname] = value.isoformat() if isinstance(value, datetime) else value
    return row


def _user_from(row: dict):
    """The user, with the password deferred (a page that needs it, as the password change form
    does, reads it from the database on first use) and the kept auth hash until then."""
    model = get_user_model()
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname == "password":
            continue
        if field.attname not in row:
            return None  # written by another version of the model: read the database
        names.append(field.attname)
        values.append(field.to_python(row[field.attname]))
    kept = row.get("session_auth_hash")
    if not isinstance(kept, str):
        return None
    user = model.from_db("default", names, values)

    def session_auth_hash() -> str:
        if "password" in user.__dict__:  # read or set since: what it says now
            return model.get_session_auth_hash(user)
        return kept

    user.get_session_auth_hash = session_auth_hash
    return user


class CachedModelBackend(ModelBackend):
    """ModelBackend whose get_user (every request's) reads the user's signed copy first."""

    def get_user(self, user_id):
        name = _name("user", str(user_id))
        row = _read(name)
        user = _user_from(row) if row is not None else None
        if user is None or str(user.pk) != str(user_id):
            user = super().get_user(user_id)
            if user is not None:
                _write(name, _user_row(user), CACHE_SECONDS)
            return user
        return user if self.user_can_authenticate(user) else None


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def _user_changed(sender, instance, **kwargs) -> None:
    """A new password, a deactivation or a deletion: the copy goes now (sessions verify against it)."""
    _drop(_name("user", str(instance.pk)))
