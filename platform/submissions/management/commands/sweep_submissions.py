from django.core.management.base import BaseCommand

from submissions import sweeper


class Command(BaseCommand):
    help = (
        "Run the sweeper once: publish the submissions never published, re-send those the broker or a "
        "dead worker lost, mark as not gradable those sent too often (the scheduler runs it periodically)."
    )

    def handle(self, *args, **options):
        report = sweeper.sweep()
        if not report.broker_reachable:
            self.stderr.write("the broker is unreachable; nothing was sent")
            raise SystemExit(1)
        self.stdout.write(
            f"published {len(report.published)}, re-sent {len(report.resent)}, "
            f"marked not gradable {len(report.given_up)}"
        )
