"""The site's Celery app: publishes grading tasks, and consumes the `results` queue.

Only the results consumer (`celery -A config worker -Q results`) writes
grading results to the database; grading workers use `grader.worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
