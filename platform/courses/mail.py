"""Welcome e-mails for accounts created by a CSV enrolment, sent by a background worker.

A CSV may create thousands of accounts: sending their mails inside the upload's request
would hold it for minutes, and a mail server that is down would fail the page after the
roster was already saved. So the request only publishes one task (queue `bulk`, consumed by
the site's background worker, which has the database); the task builds each password link
when it runs and sends every mail over one connection, retrying later if the mail server
refuses. When the broker itself is unreachable the request sends the mails itself, so a
Redis restart loses none.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from courses.models import Course

log = logging.getLogger(__name__)

TASK = "courses.send_welcome_mail"
QUEUE = "bulk"
QUEUED, SENT, FAILED = "queued", "sent", "failed"


def welcome_messages(course: Course, users, base_url: str) -> list[EmailMessage]:
    """One mail per account, with a password link valid from now (the token holds the last login)."""
    messages = []
    for user in users:
        if not user.email:
            continue
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        context = {"user": user, "course": course, "link": base_url.rstrip("/") + path, "site_name": settings.SITE_NAME}
        subject = _("Your account on %(site)s for %(course)s") % {
            "site": settings.SITE_NAME,
            "course": course.display_title,
        }
        body = render_to_string("courses/welcome_email.txt", context)
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return messages


def send_now(course_id: int, user_ids: list[int], base_url: str, language: str) -> int:
    """Build and send the mails (in the worker, or in the request when the broker is down)."""
    course = Course.objects.get(pk=course_id)
    users = list(get_user_model().objects.filter(pk__in=user_ids).order_by("pk"))
    with translation.override(language):
        messages = welcome_messages(course, users, base_url)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


def queue_welcome_mail(course: Course, users, base_url: str, language: str) -> str:
    """Publish the task; QUEUED, or SENT/FAILED when the broker was unreachable and the request sent them."""
    from config.celery import app

    user_ids = [user.pk for user in users]
    if not user_ids:
        return SENT
    args = [course.pk, user_ids, base_url, language]
    try:
        app.send_task(TASK, args=args, queue=QUEUE, retry=True, retry_policy={"max_retries": 2})
        return QUEUED
    except Exception:  # noqa: BLE001 - kombu raises several types for an unreachable broker
        log.exception("could not publish the welcome mails of course %s; sending them in the request", course.pk)
    try:
        send_now(*args)
        return SENT
    except Exception:  # noqa: BLE001 - a mail server down: the accounts exist, the instructor is told
        log.exception("could not send the welcome mails of course %s", course.pk)
        return FAILED
