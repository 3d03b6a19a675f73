"""A database that does not answer: the site's own 503, and a submission keeps the student's code.

The database failing is simulated at one seam (the query that raises); the real-process test of a
database cut off while a result arrives is tests/integration/test_nothing_lost.py.
"""

import pytest
from django.db import OperationalError
from django.urls import reverse

from submissions.models import Submission
from tests.conftest import SOLUTION

pytestmark = pytest.mark.django_db

SLUG = "softmax-temperature"


def locked(*args, **kwargs):
    raise OperationalError("database is locked")


def test_a_submission_while_the_database_is_locked_keeps_the_code_and_charges_nothing(
    client, alice, course, monkeypatch
):
    client.force_login(alice)
    code = SOLUTION + "\n# <b>mine</b>\n"
    monkeypatch.setattr(Submission.objects, "create", locked)
    response = client.post(reverse("exercise", args=[course.slug, SLUG]), {"source": code})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Ainda não enviado" in page and "nenhuma tentativa foi usada" in page
    assert "# &lt;b&gt;mine&lt;/b&gt;" in page  # the code is back, escaped, in a form that sends it again
    assert 'name="source"' in page and "Traceback" not in page
    monkeypatch.undo()
    assert not Submission.objects.exists()


def test_any_page_whose_query_fails_gets_the_sites_503_page(client, alice, course, monkeypatch):
    client.force_login(alice)
    monkeypatch.setattr("courses.views.lesson_rows", locked)
    response = client.get(reverse("course", args=[course.slug]))
    assert response.status_code == 503
    page = response.content.decode()
    assert "O site está ocupado" in page and "OperationalError" not in page and "locked" not in page
