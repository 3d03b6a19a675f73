"""Tasks consumed by the site's results worker (queue `results`): thin wrappers."""

from celery import shared_task

from submissions import services


@shared_task(name="submissions.record_result", acks_late=True, ignore_result=True)
def record_result(submission_id: int, report: dict) -> None:
    services.record_result(submission_id, report)


@shared_task(name="submissions.mark_running", ignore_result=True)
def mark_running(submission_id: int) -> None:
    services.mark_running(submission_id)
