"""Background work of the courses app, on the site's `bulk` queue (the worker has the database)."""

from smtplib import SMTPException

from celery import shared_task

from courses import mail


@shared_task(
    name=mail.TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_welcome_mail(course_id: int, user_ids: list[int], base_url: str, language: str) -> int:
    return mail.send_now(course_id, user_ids, base_url, language)
