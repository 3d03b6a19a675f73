"""CSV enrolment mails through real services: the upload publishes on Redis, a real `bulk` worker
(the site's Celery app, with the test database) builds the password links and sends the mails."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import Course, Enrollment
from tests import services as test_services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def bulk_worker(broker, redis_server, mail_dir, tmp_path):
    from django.db import connection

    env = test_services.python_env(
        {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": test_services.database_url(connection.settings_dict),
            "VAR_DIR": str(settings.VAR_DIR),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        }
    )
    worker = test_services.start_worker("config", "bulk", "bulk@test", env, tmp_path / "bulk.log")
    try:
        test_services.wait_for_workers(broker, ["bulk@test"])
        yield worker
    finally:
        worker.stop()


def test_the_bulk_worker_mails_each_new_account_a_working_password_link(client, bulk_worker, mail_dir):
    User = get_user_model()
    course = Course.objects.create(slug="turma", title={"pt": "Turma", "en": "Class"})
    carla = User.objects.create_user("carla", email="carla@example.com", password="carla-pass-123")
    Enrollment.objects.create(course=course, user=carla, role=Enrollment.INSTRUCTOR)
    client.force_login(carla)
    data = b"username,email,first_name\nana,ana@example.com,Ana\nbia,bia@example.com,Bia\n"
    response = client.post(
        reverse("enrol_csv", args=[course.slug]), {"file": SimpleUploadedFile("t.csv", data, content_type="text/csv")}
    )
    assert response.status_code == 200 and 'data-state="queued"' in response.content.decode()
    deadline = time.monotonic() + 60
    texts: list[str] = []
    while time.monotonic() < deadline:
        texts = [p.read_text() for p in mail_dir.iterdir()]
        if sum(t.count("\nTo: ") for t in texts) >= 2:
            break
        time.sleep(0.3)
    whole = "\n".join(texts)
    assert "To: ana@example.com" in whole and "To: bia@example.com" in whole, bulk_worker.log.read_text()[-3000:]
    assert "Turma" in whole  # in the uploader's language (pt-BR), with the course's name
    link = next(line.strip() for line in whole.splitlines() if "/reset/" in line)
    client.logout()
    assert client.get(link.split("testserver", 1)[1], follow=True).status_code == 200
