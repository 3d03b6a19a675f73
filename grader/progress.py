"""Live progress of a grading, relayed through Redis: the worker writes, the site reads.

Per submission, for an hour: one key holds the latest event ({"step",
"total", "metrics"}), a list holds the series of points the page draws, and a
small key says which metrics the points' columns are and how often the series
was thinned (its epoch). The worker keeps the same series in memory and puts
it into the report, so the chart outlives the keys.

Events come from student code in the sandbox: `clean` keeps only what a chart
can show (integer steps, a few short metric names, finite numbers). Progress
is best effort: a Redis hiccup never fails a grading or a page.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from functools import lru_cache
from typing import Any

import redis

log = logging.getLogger(__name__)
TTL_SECONDS = 3600
MAX_STEP = 10**9
MAX_METRICS = 4
# Each point is [step, value of names[0], value of names[1], ...]: at most
# 501 points (the cap, plus the latest) of 5 short numbers stay under 30 KB.
MAX_POINTS = 500
METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,23}")


def key(submission_id: int) -> str:
    return f"grader:progress:{int(submission_id)}"


def series_key(submission_id: int) -> str:
    return f"grader:progress:{int(submission_id)}:series"


def meta_key(submission_id: int) -> str:
    return f"grader:progress:{int(submission_id)}:meta"


@lru_cache(maxsize=4)
def client(url: str) -> redis.Redis:
    """One client (and connection pool) per URL for the whole process."""
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_STEP else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    # Six significant digits are more than a chart shows, and keep the stored series small.
    return float(f"{value:.6g}")


def clean(event: Any) -> dict | None:
    """An event from the sandbox as a chart may show it, or None when it is no progress event.

    Steps are integers with 0 <= step <= total <= 10**9; of the metrics, the
    first MAX_METRICS with a short identifier for a name and a finite number
    for a value are kept, the rest are dropped.
    """
    if not isinstance(event, dict):
        return None
    step, total = _count(event.get("step")), _count(event.get("total"))
    if step is None or total is None or step > total:
        return None
    raw = event.get("metrics", {})
    if not isinstance(raw, dict):
        return None
    metrics: dict[str, float] = {}
    for name, value in raw.items():
        number = _number(value)
        if isinstance(name, str) and METRIC_NAME.fullmatch(name) and number is not None:
            metrics[name] = number
            if len(metrics) == MAX_METRICS:
                break
    return {"step": step, "total": total, "metrics": metrics}


class Series:
    """The points of one grading, at most MAX_POINTS, evenly spread over the whole run.

    When the list is full, every other point goes and from then on only every
    second event is kept (the stride doubles), so a long run keeps its whole
    curve at a coarser grain. A step lower than the last one starts a new run:
    the series starts over, so its steps always increase. Every restart or
    thinning bumps `epoch`, which tells a reader that what it holds is stale.
    """

    def __init__(self, max_points: int = MAX_POINTS):
        self.max_points = max_points
        self.names: list[str] = []
        self.points: list[list] = []
        self.total = 0
        self.epoch = 0
        self.stride = 1
        self.seen = 0
        self.last: list | None = None  # the latest point, kept or not

    def add(self, event: dict) -> str:
        """Add a cleaned event; says what changed: "appended", "replaced", "rewritten" or "skipped"."""
        for name in event["metrics"]:
            if name not in self.names and len(self.names) < MAX_METRICS:
                self.names.append(name)
        point = [event["step"], *(event["metrics"].get(name) for name in self.names)]
        self.total = event["total"]
        outcome = "skipped"
        if self.last is not None and point[0] < self.last[0]:
            self.points, self.stride, self.seen = [], 1, 0
            self.epoch += 1
            outcome = "rewritten"
        elif self.points and point[0] == self.points[-1][0]:
            self.points[-1] = point  # the same step again: its newer numbers
            self.last = point
            return "replaced"
        if self.seen % self.stride == 0:
            self.points.append(point)
            if outcome != "rewritten":
                outcome = "appended"
            if len(self.points) > self.max_points:
                self.points = self.points[::2]
                self.stride *= 2
                self.epoch += 1
                outcome = "rewritten"
        self.seen += 1
        self.last = point
        return outcome

    def export(self) -> dict | None:
        """The series for the report (with the latest point, even if thinning skipped it); None if empty."""
        points = list(self.points)
        if self.last is not None and (not points or points[-1][0] < self.last[0]):
            points.append(self.last)
        if not points:
            return None
        return {"names": list(self.names), "total": self.total, "points": points}


class Recorder:
    """The worker's sink for one grading's events: cleans them, publishes them, keeps the series.

    The worker is the only writer of a submission's keys while it grades it;
    a fresh Recorder (a retry, or a redelivered task) starts them over.
    """

    RETRY_SECONDS = 10

    def __init__(self, url: str, submission_id: int):
        self.url = url
        self.submission_id = submission_id
        self.series = Series()
        self.stale = False  # Redis missed a write: the next one rewrites the list whole
        self.quiet_until = 0.0
        try:
            client(url).delete(key(submission_id), series_key(submission_id), meta_key(submission_id))
        except redis.RedisError:
            self._failed()

    def __call__(self, event: Any) -> None:
        event = clean(event)
        if event is None:
            return
        outcome = self.series.add(event)
        if time.monotonic() < self.quiet_until:
            self.stale = True
            return
        if self.stale and outcome != "skipped":
            self.series.epoch += 1  # readers hold points the list no longer lines up with
            outcome = "rewritten"
        try:
            self._write(event, outcome)
        except redis.RedisError:
            self._failed()
        else:
            self.stale = self.stale and outcome == "skipped"

    def _failed(self) -> None:
        # Each call waits up to the socket timeout: while Redis is down, stop asking for a while
        # rather than slow the grading that feeds us.
        log.warning("could not publish progress of submission %s", self.submission_id)
        self.stale = True
        self.quiet_until = time.monotonic() + self.RETRY_SECONDS

    def _write(self, event: dict, outcome: str) -> None:
        sid, series = self.submission_id, self.series
        meta = {"names": series.names, "epoch": series.epoch, "total": series.total}
        # One transaction: a reader never sees the list and its meta from different epochs.
        pipe = client(self.url).pipeline(transaction=True)
        pipe.set(key(sid), json.dumps(event), ex=TTL_SECONDS)
        if outcome == "appended":
            pipe.rpush(series_key(sid), json.dumps(series.points[-1]))
        elif outcome == "replaced":
            pipe.lset(series_key(sid), -1, json.dumps(series.points[-1]))
        elif outcome == "rewritten":
            pipe.delete(series_key(sid))
            if series.points:
                pipe.rpush(series_key(sid), *(json.dumps(point) for point in series.points))
        pipe.expire(series_key(sid), TTL_SECONDS)
        pipe.set(meta_key(sid), json.dumps(meta), ex=TTL_SECONDS)
        pipe.execute()

    def export(self) -> dict | None:
        return self.series.export()


def latest(url: str, submission_id: int) -> dict | None:
    try:
        raw = client(url).get(key(submission_id))
    except redis.RedisError:
        return None
    if not raw:
        return None
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _row(point: Any, width: int) -> list | None:
    """A stored point checked again: [step, then `width` numbers or None]."""
    if not isinstance(point, list) or not point or _count(point[0]) is None:
        return None
    values = [_number(value) for value in point[1 : width + 1]]
    return [point[0], *values, *([None] * (width - len(values)))]


def _names(raw: Any) -> list[str]:
    names = raw if isinstance(raw, list) else []
    return [name for name in names if isinstance(name, str) and METRIC_NAME.fullmatch(name)][:MAX_METRICS]


def _loads(raw: Any) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def series_since(url: str, submission_id: int, since: int = 0, epoch: int | None = None) -> dict | None:
    """The live series from point `since` on, or from 0 if the reader's epoch is stale; None without one.

    Returns {"names", "total", "epoch", "from", "count", "points"}: a reader
    holding `count` points asks next with since=count and this epoch.
    """
    try:
        pipe = client(url).pipeline(transaction=True)
        pipe.get(meta_key(submission_id))
        pipe.llen(series_key(submission_id))
        pipe.lrange(series_key(submission_id), 0, MAX_POINTS)
        raw_meta, count, raw_points = pipe.execute()
    except redis.RedisError:
        return None
    meta = _loads(raw_meta)
    if not isinstance(meta, dict) or not count:
        return None
    names = _names(meta.get("names"))
    current = meta.get("epoch") if isinstance(meta.get("epoch"), int) else 0
    start = since if epoch == current and 0 <= since <= count else 0
    points = [row for row in (_row(_loads(raw), len(names)) for raw in raw_points[start:]) if row is not None]
    return {
        "names": names,
        "total": _count(meta.get("total")) or 0,
        "epoch": current,
        "from": start,
        "count": count,
        "points": points,
    }


def stored_series(report: Any) -> dict | None:
    """The series kept in a finished submission's report, checked again (it crossed a queue), or None.

    Shaped as `series_since` answers, from 0: a finished page draws it whole, once.
    """
    raw = report.get("progress_series") if isinstance(report, dict) else None
    if not isinstance(raw, dict) or not isinstance(raw.get("points"), list):
        return None
    names = _names(raw.get("names"))
    rows = (_row(point, len(names)) for point in raw["points"][: MAX_POINTS + 1])
    points = [row for row in rows if row is not None]
    if not points:
        return None
    total = _count(raw.get("total")) or 0
    return {"names": names, "total": total, "epoch": 0, "from": 0, "count": len(points), "points": points}
