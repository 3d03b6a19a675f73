"""Repeated failed logins are throttled per account and per address (django-axes), on the site and the admin."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
LIMIT = settings.AXES_FAILURE_LIMIT


def _login(client, username, password, address="10.0.0.1", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_paused_after_the_limit_even_with_the_right_password(client, alice):
    for _ in range(LIMIT - 1):
        assert _login(client, "alice", "wrong").status_code == 200  # the form again, "wrong password"
    assert _login(client, "alice", "wrong").status_code == 429  # the failure that reaches the limit
    locked = _login(client, "alice", "alice-pass-123", address="10.0.0.2")  # another address, same account
    page = locked.content.decode()
    assert locked.status_code == 429 and "Tentativas de login demais" in page and "15 minutos" in page
    assert "_auth_user_id" not in client.session


def test_an_address_is_paused_whatever_account_it_tries(client, alice, bob):
    for n in range(LIMIT):
        _login(client, f"nobody{n}", "guess", address="10.9.9.9")
    assert _login(client, "bob", "bob-pass-123", address="10.9.9.9").status_code == 429
    # Bob from his own address is not affected.
    assert _login(client, "bob", "bob-pass-123", address="10.0.0.7").status_code == 302


def test_fewer_failures_than_the_limit_then_a_success_clears_the_count(client, alice):
    for _ in range(LIMIT - 1):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", "alice-pass-123").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        _login(client, "alice", "wrong")
    assert _login(client, "alice", "alice-pass-123").status_code == 302


def test_the_admin_login_counts_too(client, alice):
    admin = reverse("admin:login")
    for _ in range(LIMIT):
        _login(client, "alice", "wrong", url=admin)
    assert _login(client, "alice", "alice-pass-123").status_code == 429
