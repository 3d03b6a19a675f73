"""Status polling is rate-limited per user, counted in a real Redis shared by every web process."""

import time

import pytest
from django.urls import reverse

from submissions import services
from tests.conftest import SOLUTION, enrollment_of, exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(alice, course):
    return services.submit_code(enrollment_of(alice, course), exercise("softmax-temperature"), SOLUTION)


def _start_of_a_minute():
    """Counts are per clock minute: begin well inside one, so the test never straddles two."""
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)


def test_over_the_budget_the_status_says_when_to_ask_again(client, alice, carla, submission, redis_server, settings):
    settings.REDIS_URL = redis_server.url
    settings.STATUS_POLLS_PER_MINUTE = 5
    url = reverse("submission_status", args=[submission.pk])
    _start_of_a_minute()
    client.force_login(alice)
    codes = [client.get(url).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    refused = client.get(url)
    assert refused.json()["error"] == "too_many_requests" and 0 < int(refused["Retry-After"]) <= 60
    client.force_login(carla)  # the instructor has a budget of her own
    assert client.get(url).status_code == 200


def test_without_redis_polling_is_allowed(client, alice, submission, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.STATUS_POLLS_PER_MINUTE = 1
    client.force_login(alice)
    url = reverse("submission_status", args=[submission.pk])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
