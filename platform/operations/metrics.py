"""`/metrics` in the Prometheus text format, computed at scrape time from Redis and the database.

- `grader_broker_up`: 1 when Redis answered.
- `grader_queue_length{queue}`: messages waiting in each queue; `grader_broker_unacked`: taken by a
  worker, not yet acknowledged.
- `grader_workers`: workers that answered; `grader_queue_consumers{queue}`: those consuming each queue.
- `grader_submissions{status}`: submissions by status (all of them).
- `grader_oldest_queued_seconds`: age of the oldest submission still queued (0 when none).
- `grader_queue_wait_seconds` and `grader_run_seconds`: histograms over the submissions that
  finished in the last `WINDOW` (from submission to start, and from start to the result).

Access: `Authorization: Bearer $METRICS_TOKEN` (compared in constant time), or a logged-in
superuser; a visitor gets 404 and any other account 403.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

from operations import broker
from operations.health import REQUIRED_QUEUES
from submissions.models import Submission

WINDOW = timedelta(hours=1)
MAX_ROWS = 20_000  # finished submissions read for the histograms at most (the newest)
WAIT_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
RUN_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300)


def _histogram(name: str, documentation: str, values: list[float], buckets: tuple[float, ...]):
    counts = [sum(1 for value in values if value <= bound) for bound in buckets]
    rows = [(str(float(bound)), count) for bound, count in zip(buckets, counts, strict=True)]
    rows.append(("+Inf", len(values)))
    return HistogramMetricFamily(name, documentation, buckets=rows, sum_value=sum(values))


class GradingCollector:
    def __init__(self, app):
        self.app = app

    def collect(self):
        yield from self._broker()
        yield from self._database()

    def _broker(self):
        up = GaugeMetricFamily("grader_broker_up", "1 when the broker (Redis) answered")
        try:
            lengths, unacked = broker.queue_lengths(self.app.conf.broker_url, REQUIRED_QUEUES)
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        length = GaugeMetricFamily("grader_queue_length", "Messages waiting in the queue", labels=["queue"])
        for queue in REQUIRED_QUEUES:
            length.add_metric([queue], lengths[queue])
        yield length
        yield GaugeMetricFamily("grader_broker_unacked", "Messages taken by a worker, not acknowledged", unacked)
        try:
            online = broker.workers(self.app, timeout=broker.INSPECT_TIMEOUT)
        except Exception:  # noqa: BLE001 - kombu raises several types for a broker that went away
            online = []
        yield GaugeMetricFamily("grader_workers", "Workers that answered the inspection", len(online))
        consumers = GaugeMetricFamily("grader_queue_consumers", "Workers consuming the queue", labels=["queue"])
        for queue in REQUIRED_QUEUES:
            consumers.add_metric([queue], sum(1 for worker in online if queue in worker.queues))
        yield consumers

    def _database(self):
        now = timezone.now()
        by_status = dict(Submission.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        submissions = GaugeMetricFamily("grader_submissions", "Submissions by status", labels=["status"])
        for status in Submission.Status.values:
            submissions.add_metric([status], by_status.get(status, 0))
        yield submissions
        oldest = Submission.objects.filter(status=Submission.Status.QUEUED).aggregate(t=Min("created_at"))["t"]
        yield GaugeMetricFamily(
            "grader_oldest_queued_seconds",
            "Age of the oldest submission still queued (0 when none)",
            max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        rows = list(
            Submission.objects.filter(finished_at__gte=now - WINDOW, started_at__isnull=False)
            .order_by("-finished_at")
            .values_list("created_at", "started_at", "finished_at")[:MAX_ROWS]
        )
        waits = [max(0.0, (started - created).total_seconds()) for created, started, _ in rows]
        runs = [max(0.0, (finished - started).total_seconds()) for _, started, finished in rows]
        yield _histogram(
            "grader_queue_wait_seconds", "From submission to the start of grading, last hour", waits, WAIT_BUCKETS
        )
        yield _histogram("grader_run_seconds", "From the start of grading to the result, last hour", runs, RUN_BUCKETS)


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    return False


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        if not request.user.is_authenticated:
            raise Http404
        if not request.user.is_superuser:
            return HttpResponse(status=403)
    from config.celery import app

    registry = CollectorRegistry(auto_describe=False)
    registry.register(GradingCollector(app))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
