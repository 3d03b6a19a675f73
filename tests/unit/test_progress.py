"""Live progress: what leaves the sandbox is checked, the series is capped and thinned, Redis is optional."""

import json
import math
import time

import pytest

from grader import progress
from grader.engine import ProgressRelay


def test_progress_events_are_validated_and_trimmed():
    assert ProgressRelay.clean(b'{"progress": {"step": 3, "total": 10, "metrics": {"loss": 0.5}}}') == {
        "step": 3,
        "total": 10,
        "metrics": {"loss": 0.5},
    }
    many = ", ".join(f'"m{i}": {i}' for i in range(20))
    event = ProgressRelay.clean(('{"progress": {"step": 1, "total": 2, "metrics": {' + many + "}}}").encode())
    assert len(event["metrics"]) == ProgressRelay.MAX_METRICS


def test_nonsense_progress_is_dropped():
    for line in (
        b'{"progress": {"step": 11, "total": 10}}',
        b'{"progress": {"step": -1, "total": 10}}',
        b'{"progress": {"step": "x", "total": 10}}',
        b'{"progress": "hello"}',
        b"not json",
    ):
        assert ProgressRelay.clean(line) is None


def test_the_relay_reads_events_split_across_chunks_and_caps_their_rate():
    seen = []
    relay = ProgressRelay(seen.append)
    relay(b'{"id": 0, "value": 1}\n{"progress": {"step": 1, "tot')
    relay(b'al": 5}}\n{"progress": {"step": 2, "total": 5}}\n')
    assert seen == [{"step": 1, "total": 5, "metrics": {}}]  # the second came too soon after the first


def test_an_event_that_came_too_soon_leaves_with_the_next_record_so_the_last_step_is_kept():
    seen = []
    relay = ProgressRelay(seen.append)
    relay(b'{"progress": {"step": 1, "total": 5}}\n{"progress": {"step": 4, "total": 5}}\n')
    relay(b'{"progress": {"step": 5, "total": 5}}\n')
    assert [event["step"] for event in seen] == [1]
    relay(b'{"id": 0, "value": 1}\n')
    assert [event["step"] for event in seen] == [1, 5]  # only the latest of those held
    relay(b'{"progress": {"step": 6, "total": 6}}\n')
    relay.flush()  # the end of the run
    assert [event["step"] for event in seen] == [1, 5, 6]


# --- validation: events come from student code in the sandbox ------------------------


def test_validation_keeps_finite_numbers_and_short_identifier_names_only():
    event = progress.clean(
        {
            "step": 3,
            "total": 10,
            "metrics": {
                "loss": 0.123456789,
                "nan": math.nan,
                "inf": math.inf,
                "x" * 25: 1.0,
                "with space": 1.0,
                "bool": True,
                "text": "0.5",
                "accuracy": 1,
            },
        }
    )
    assert event == {"step": 3, "total": 10, "metrics": {"loss": 0.123457, "accuracy": 1.0}}


def test_validation_keeps_at_most_four_metrics():
    event = progress.clean({"step": 1, "total": 2, "metrics": {f"m{i}": i for i in range(20)}})
    assert list(event["metrics"]) == ["m0", "m1", "m2", "m3"]


@pytest.mark.parametrize(
    "event",
    [
        {"step": 1.5, "total": 10},
        {"step": True, "total": 10},
        {"step": 1, "total": 10**10},
        {"step": 1, "total": 10, "metrics": [1, 2]},
        {"step": 1},
        "step 1",
    ],
)
def test_validation_refuses_steps_that_are_not_small_counts(event):
    assert progress.clean(event) is None


def test_a_huge_progress_line_is_dropped_without_parsing():
    line = json.dumps({"progress": {"step": 1, "total": 2, "metrics": {"loss": 1.0}, "pad": "x" * 5000}})
    assert ProgressRelay.clean(line.encode()) is None


# --- the series: capped, thinned evenly, always increasing steps -----------------------


def _event(step, total=10_000, **metrics):
    return {"step": step, "total": total, "metrics": metrics or {"loss": 1.0 / (step + 1)}}


def test_a_full_series_drops_every_other_point_and_keeps_the_whole_run():
    series = progress.Series(max_points=10)
    for step in range(100):
        series.add(_event(step))
    steps = [point[0] for point in series.points]
    assert len(steps) <= 10
    assert steps[0] == 0 and steps[-1] >= 80  # the whole run, at a coarser grain
    gaps = {b - a for a, b in zip(steps, steps[1:], strict=False)}
    assert len(gaps) == 1  # evenly spaced
    exported = series.export()
    assert exported["points"][-1][0] == 99  # the latest point, even when thinning skipped it
    assert len(exported["points"]) <= 11


def test_the_series_caps_at_five_hundred_points_and_stays_small():
    series = progress.Series()
    for step in range(5000):
        series.add(_event(step, loss=1.0 / (step + 1), accuracy=step / 5000, lr=0.001, grad_norm=step * 1.5))
    exported = series.export()
    assert len(exported["points"]) <= progress.MAX_POINTS + 1
    assert exported["names"] == ["loss", "accuracy", "lr", "grad_norm"]
    assert len(json.dumps(exported)) < 40_000


def test_a_step_lower_than_the_last_starts_the_series_over():
    series = progress.Series()
    for step in (1, 2, 3):
        series.add(_event(step))
    assert series.add(_event(1)) == "rewritten"
    assert [point[0] for point in series.points] == [1]
    assert series.epoch == 1


def test_the_same_step_again_replaces_its_point():
    series = progress.Series()
    series.add(_event(5, loss=2.0))
    assert series.add(_event(5, loss=1.5)) == "replaced"
    assert series.points == [[5, 1.5]]


def test_a_metric_that_appears_later_gets_a_column_and_earlier_points_read_none():
    series = progress.Series()
    series.add(_event(1, loss=2.0))
    series.add(_event(2, loss=1.0, accuracy=0.5))
    assert series.export() == {"names": ["loss", "accuracy"], "total": 10_000, "points": [[1, 2.0], [2, 1.0, 0.5]]}
    stored = progress.stored_series({"progress_series": series.export()})
    assert stored["points"] == [[1, 2.0, None], [2, 1.0, 0.5]]


def test_a_stored_series_is_checked_again_when_read():
    report = {"progress_series": {"names": ["loss", "bad name"], "total": 9, "points": [[1, "x"], ["2", 1.0], [3, 2]]}}
    assert progress.stored_series(report)["points"] == [[1, None], [3, 2.0]]
    assert progress.stored_series({"progress_series": "nonsense"}) is None
    assert progress.stored_series({}) is None


# --- Redis: the live series, read since a point --------------------------------------


@pytest.fixture
def redis_url(redis_server):
    progress.client(redis_server.url).flushdb()
    return redis_server.url


def test_the_recorder_publishes_the_latest_event_and_the_series_for_an_hour(redis_url):
    recorder = progress.Recorder(redis_url, 41)
    for step in range(1, 6):
        recorder(_event(step, total=5))
    assert progress.latest(redis_url, 41) == {"step": 5, "total": 5, "metrics": {"loss": 0.166667}}
    live = progress.series_since(redis_url, 41)
    assert (live["from"], live["count"], live["names"], live["total"]) == (0, 5, ["loss"], 5)
    assert [point[0] for point in live["points"]] == [1, 2, 3, 4, 5]
    redis = progress.client(redis_url)
    for name in (progress.key(41), progress.series_key(41), progress.meta_key(41)):
        assert 3500 < redis.ttl(name) <= progress.TTL_SECONDS


def test_a_reader_gets_only_the_points_it_lacks_unless_its_epoch_is_stale(redis_url):
    recorder = progress.Recorder(redis_url, 42)
    recorder.series.max_points = 4
    for step in range(3):
        recorder(_event(step))
    assert [p[0] for p in progress.series_since(redis_url, 42, since=2, epoch=0)["points"]] == [2]
    assert progress.series_since(redis_url, 42, since=3, epoch=0)["points"] == []
    for step in range(3, 5):
        recorder(_event(step))  # the fifth point thins the list: epoch 1
    live = progress.series_since(redis_url, 42, since=3, epoch=0)
    assert (live["from"], live["epoch"]) == (0, 1)
    assert [p[0] for p in live["points"]] == [0, 2, 4]
    assert live["points"] == progress.series_since(redis_url, 42)["points"]


def test_invalid_events_never_reach_redis(redis_url):
    recorder = progress.Recorder(redis_url, 43)
    recorder({"step": 1, "total": 2, "metrics": {"loss": math.nan}})
    recorder({"step": "1", "total": 2})
    assert progress.series_since(redis_url, 43)["points"] == [[1]]  # no metric survived: a step alone
    assert progress.latest(redis_url, 43) == {"step": 1, "total": 2, "metrics": {}}


def test_a_new_grading_of_the_same_submission_starts_its_series_over(redis_url):
    first = progress.Recorder(redis_url, 44)
    for step in range(10):
        first(_event(step))
    progress.Recorder(redis_url, 44)  # a retry, or a redelivered task
    assert progress.series_since(redis_url, 44) is None
    assert progress.latest(redis_url, 44) is None


def test_with_redis_down_recording_and_reading_are_harmless_and_quick():
    down = "redis://127.0.0.1:1/0"
    recorder = progress.Recorder(down, 45)
    started = time.monotonic()
    for step in range(50):
        recorder(_event(step))
    assert time.monotonic() - started < 3  # it stops asking for a while instead of waiting on every event
    assert recorder.export()["points"][-1][0] == 49  # the report still gets the series
    assert progress.series_since(down, 45) is None
    assert progress.latest(down, 45) is None


def test_after_redis_comes_back_the_list_is_rewritten_whole_in_a_new_epoch(redis_url, monkeypatch):
    recorder = progress.Recorder(redis_url, 46)
    recorder(_event(0))
    recorder.quiet_until = time.monotonic() + 60  # as after a failure
    recorder(_event(1))
    recorder(_event(2))
    assert progress.series_since(redis_url, 46)["count"] == 1
    recorder.quiet_until = 0
    recorder(_event(3))
    live = progress.series_since(redis_url, 46, since=1, epoch=0)
    assert (live["from"], live["epoch"]) == (0, 1)
    assert [p[0] for p in live["points"]] == [0, 1, 2, 3]
