from django.core.management.base import BaseCommand

from submissions.services import requeue_stale


class Command(BaseCommand):
    help = "Publish again the grading tasks of submissions still queued (after a broker outage)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="seconds since the submission was made")

    def handle(self, *args, older_than, **options):
        self.stdout.write(f"requeued {requeue_stale(older_than)} submission(s)")
