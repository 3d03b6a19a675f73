"""Regrade tasks of the site's workers: thin wrappers.

`regrade.record_item` runs in the results consumer (queue `results`), like every grading
result; `regrade.grade_quiz_items` in the bulk worker (queue `bulk`, beside `similarity`).
"""

from celery import shared_task

from regrade import services


@shared_task(name=services.RECORD_TASK, acks_late=True, ignore_result=True)
def record_item(item_id: int, report: dict) -> None:
    services.record_item(item_id, report)


@shared_task(name=services.QUIZ_TASK, acks_late=True, ignore_result=True)
def grade_quiz_items(regrade_id: int) -> None:
    services.grade_quiz_items(regrade_id)
