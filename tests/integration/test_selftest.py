"""The selftest itself (make test runs it over every exercise and prints the table)."""

import shutil

import pytest

from grader import selftest
from tests.conftest import EXERCISES

pytestmark = pytest.mark.usefixtures("sandbox_ready")


@pytest.fixture
def one_exercise(tmp_path):
    root = tmp_path / "exercises"
    (root / "chatgpt").mkdir(parents=True)
    shutil.copy(EXERCISES / "chatgpt/lesson.toml", root / "chatgpt/lesson.toml")
    shutil.copytree(EXERCISES / "chatgpt/softmax-temperature", root / "chatgpt/softmax-temperature")
    return root


def test_an_honest_exercise_passes(one_exercise):
    rows, errors = selftest.run(one_exercise)
    assert errors == [] and rows and all(row.ok for row in rows)


def test_a_sample_whose_header_lies_is_caught(one_exercise):
    sample = one_exercise / "chatgpt/softmax-temperature/wrong/no_max_shift.py"
    sample.write_text(sample.read_text().replace("# expected_score: 7", "# expected_score: 9"))
    rows, _ = selftest.run(one_exercise)
    (row,) = [row for row in rows if row.sample == "wrong/no_max_shift.py"]
    assert (row.ok, row.expected, row.got) == (False, "9", "7")


def test_a_starter_that_already_scores_full_marks_is_caught(one_exercise):
    folder = one_exercise / "chatgpt/softmax-temperature"
    shutil.copy(folder / "solution.py", folder / "starter.py")
    rows, _ = selftest.run(one_exercise)
    (row,) = [row for row in rows if row.sample == "starter.py"]
    assert not row.ok
