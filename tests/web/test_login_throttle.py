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


def _through_proxy(client, username, password, forwarded):
    # Every request arrives from the proxy's address; the proxy appends the address it saw.
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_one_address_is_paused_not_everyone_behind_it(client, settings, alice, bob):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(LIMIT):
        # The attacker also forges an entry on the left: the proxy's own entry (the right one) counts.
        _through_proxy(client, f"nobody{n}", "guess", f"198.51.100.{n}, 203.0.113.9")
    assert _through_proxy(client, "bob", "bob-pass-123", "203.0.113.9").status_code == 429
    assert _through_proxy(client, "bob", "bob-pass-123", "203.0.113.10").status_code == 302


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, settings, alice, bob):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(LIMIT):
        # A client cannot dodge the address limit by sending a new X-Forwarded-For each time.
        _through_proxy(client, f"nobody{n}", "guess", f"203.0.113.{n}")
    assert _through_proxy(client, "bob", "bob-pass-123", "203.0.113.77").status_code == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.254"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.3, 203.0.113.9", "203.0.113.9"),
        (2, "203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.254"),  # fewer entries than proxies: not through them
        (1, "", "10.0.0.254"),
        (1, "198.51.100.3, not-an-address", "10.0.0.254"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_counted_behind_n_proxies(settings, rf, count, forwarded, expected):
    from config.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
