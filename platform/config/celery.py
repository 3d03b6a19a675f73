"""The site's Celery app: publishes grading tasks, and consumes the `results` queue.

Only the results consumer (`celery -A config worker -Q results`) writes
grading results to the database; grading workers use `grader.worker`. The
scheduler (`celery -A config beat`) sends the periodic sweeper to it.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule(sender, **kwargs) -> None:
    from django.conf import settings

    # Expires before the next one is due: a scheduler that ran while the consumer was down
    # does not leave a pile of sweeps behind.
    interval = settings.SWEEP_INTERVAL_SECONDS
    sender.add_periodic_task(
        float(interval), sender.signature("submissions.sweep", queue="results", expires=interval), name="sweep"
    )
