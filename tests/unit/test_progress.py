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
