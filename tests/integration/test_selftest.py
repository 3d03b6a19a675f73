import shutil

import pytest

from grader import selftest
from tests.conftest import EXERCISES

pytestmark = pytest.mark.usefixtures("sandbox_ready")


def test_every_shipped_exercise_grades_as_declared():
    rows, errors = selftest.run(EXERCISES)
    assert errors == []
    assert [row for row in rows if not row.ok] == []
    assert any(row.sample.startswith("wrong/") for row in rows)


def test_a_sample_whose_header_lies_is_caught(tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES / "chatgpt", root / "chatgpt")
    sample = root / "chatgpt/softmax-temperature/wrong/no_max_shift.py"
    sample.write_text(sample.read_text().replace("# expected_score: 7", "# expected_score: 9"))
    rows, _ = selftest.run(root)
    (row,) = [row for row in rows if row.sample == "wrong/no_max_shift.py"]
    assert (row.ok, row.expected, row.got) == (False, "9", "7")
