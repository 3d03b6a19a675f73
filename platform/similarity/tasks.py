"""Tasks of the site's `similarity` worker (`celery -A config worker -Q similarity`): thin wrappers."""

from celery import shared_task

from similarity import services


@shared_task(name=services.TASK, acks_late=True, ignore_result=True)
def compute_run(run_id: int) -> None:
    services.compute_run(run_id)
