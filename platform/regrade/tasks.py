"""Regrade tasks of the site's workers: thin wrappers.

`regrade.record_item` runs in the results consumer (queue `results`), like every grading
result; `regrade.grade_quiz_items` in the bulk worker (queue `bulk`, beside `similarity`).
"""

from celery import shared_task
from django.db import DatabaseError

from regrade import services
from submissions.services import with_database


@shared_task(name=services.RECORD_TASK, bind=True, acks_late=True, ignore_result=True, max_retries=None)
def record_item(self, item_id: int, report: dict, token: str = "") -> None:
    try:
        with_database(lambda: services.record_item(item_id, report, token))
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(name=services.QUIZ_TASK, acks_late=True, ignore_result=True)
def grade_quiz_items(regrade_id: int) -> None:
    services.grade_quiz_items(regrade_id)
