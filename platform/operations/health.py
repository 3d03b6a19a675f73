"""`/health/` for the load balancer (django-health-check): the database, the broker, the workers.

200 when the database answers a `SELECT 1` and Redis (the Celery broker) answers a PING;
500 when either does not. Workers are reported but not critical: a web host with no
grading worker still serves every page, records quiz answers and queues code (which waits
in Redis, is not lost, and is graded when a worker joins), so taking it out of the load
balancer would turn a grading delay into an outage. "Workers" says which queues have
nobody consuming them; alert on that from the JSON or from /metrics
(`grader_queue_consumers`).

Names in the answer are generic ("Broker", not the broker's host): the endpoint is public.
It is exempt from the HTTPS redirect (settings.SECURE_REDIRECT_EXEMPT) and from login.
`?format=json` (or `Accept: application/json`) answers JSON.
"""

from __future__ import annotations

import dataclasses
import datetime

import redis
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from grader import progress
from operations import broker

# Every queue something must consume for the site to work end to end.
REQUIRED_QUEUES = ("cpu", "gpu", "cpu-low", "gpu-low", "cpu-regrade", "gpu-regrade", "results", "similarity", "bulk")


def _app():
    from config.celery import app

    return app


@dataclasses.dataclass
class Broker(HealthCheck):
    """Redis, the Celery broker, answers PING within a second."""

    timeout = datetime.timedelta(seconds=2)

    def run(self) -> None:
        try:
            progress.client(_app().conf.broker_url).ping()
        except redis.RedisError as exc:
            raise ServiceUnavailable("broker unreachable") from exc

    def __repr__(self) -> str:
        return "Broker"


@dataclasses.dataclass
class Workers(HealthCheck):
    """Some worker consumes each of REQUIRED_QUEUES (asked once, for a second). Not critical."""

    critical = False
    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        app = _app()
        try:
            progress.client(app.conf.broker_url).ping()  # not minutes of Celery's retries on a dead broker
            online = broker.workers(app, timeout=broker.INSPECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - kombu raises several types for a broker that went away
            raise ServiceUnavailable("workers could not be asked") from exc
        consumed = {queue for worker in online for queue in worker.queues}
        missing = [queue for queue in REQUIRED_QUEUES if queue not in consumed]
        if not online:
            raise ServiceUnavailable("no worker answered")
        if missing:
            raise ServiceUnavailable(f"{len(online)} answered; no worker consumes: {', '.join(missing)}")

    def __repr__(self) -> str:
        return "Workers"


@dataclasses.dataclass
class SiteDatabase(Database):
    def __repr__(self) -> str:
        return "Database"


class HealthView(HealthCheckView):
    checks = (SiteDatabase, Broker, Workers)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        failed = [result.check for result in self.results if result.error]
        if response.status_code == 500 and not any(getattr(check, "critical", True) for check in failed):
            response.status_code = 200  # only non-critical checks failed: still serving
        return response
