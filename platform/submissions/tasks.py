"""Tasks consumed by the site's results worker (queue `results`): thin wrappers."""

from celery import shared_task
from django.db import DatabaseError

from grader import contract
from submissions import services, sweeper


@shared_task(name=contract.RECORD_RESULT_TASK, bind=True, acks_late=True, ignore_result=True, max_retries=None)
def record_result(self, submission_id: int, report: dict, token: str = "") -> None:
    """Never acknowledged before it is stored: while the database is away this waits and tries again;
    past the patience it hands the result back to the broker as a retry (published first)."""
    try:
        services.with_database(lambda: services.record_result(submission_id, report, token))
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(name=contract.MARK_RUNNING_TASK, ignore_result=True)
def mark_running(submission_id: int, token: str = "") -> None:
    services.with_database(lambda: services.mark_running(submission_id, token), patience=30)


@shared_task(name="submissions.sweep", ignore_result=True)
def sweep() -> None:
    """Periodic (the scheduler sends it every SWEEP_INTERVAL_SECONDS): see submissions.sweeper."""
    sweeper.sweep()
