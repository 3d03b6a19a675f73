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


def test_the_seeds_are_distinct_and_fixed():
    assert selftest.seeds(5) == (1, 2, 3, 4, 5)
    assert len(set(selftest.seeds(selftest.SLOW_SEEDS))) == selftest.SLOW_SEEDS == 50
    with pytest.raises(ValueError):
        selftest.seeds(0)


# Correct, except on the first matches_softmax case when its row count compares to 4 as {test} says (make_cases
# draws that count first, randint(2, 5): 3, 2, 3, 3, 4 on seeds 1 to 5), so its score depends on the seed.
_DEPENDS_ON_THE_SEED = """
import torch


def softmax(z, temperature=1.0, dim=-1):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    scaled = z / temperature
    weights = (scaled - scaled.amax(dim=dim, keepdim=True)).exp()
    out = weights / weights.sum(dim=dim, keepdim=True)
    if z.dim() == 2 and z.shape[0] {test} 4 and temperature == 1.0 and z.abs().max() < 100:
        out = out.flip(-1)
    return out
"""


def test_a_right_sample_that_is_not_full_on_some_seed_is_caught(one_exercise):
    folder = one_exercise / "chatgpt/softmax-temperature/right"
    (folder / "lucky.py").write_text(_DEPENDS_ON_THE_SEED.format(test="=="))
    rows, _ = selftest.run(one_exercise, seed_count=5)
    (row,) = [row for row in rows if row.sample == "right/lucky.py"]
    assert (row.ok, row.expected, row.got, row.failed_seeds) == (False, "10", "7/10", {5: 7.0})
    assert "seed 5: 7" in selftest.table(rows)


def test_a_wrong_sample_that_passes_on_one_seed_of_n_is_caught(one_exercise):
    sample = one_exercise / "chatgpt/softmax-temperature/wrong/lucky.py"
    sample.write_text("# expected_score: 7\n" + _DEPENDS_ON_THE_SEED.format(test="!="))
    rows, _ = selftest.run(one_exercise, seed_count=5)
    (row,) = [row for row in rows if row.sample == "wrong/lucky.py"]
    assert (row.ok, row.expected, row.got, row.failed_seeds) == (False, "7", "7/10", {5: 10.0})
    # On the first three seeds alone the mistake would have gone unseen.
    rows, _ = selftest.run(one_exercise, seed_count=3)
    assert [row.ok for row in rows if row.sample == "wrong/lucky.py"] == [True]


def test_fewer_than_two_right_samples_is_caught(one_exercise):
    folder = one_exercise / "chatgpt/softmax-temperature/right"
    for extra in sorted(folder.glob("*.py"))[1:]:
        extra.unlink()
    rows, _ = selftest.run(one_exercise, seed_count=1)
    (row,) = [row for row in rows if row.sample == "right/"]
    assert (row.ok, row.expected, row.got) == (False, ">= 2 samples", "1")


def test_a_right_sample_may_carry_a_header_only_if_it_says_full_marks(one_exercise):
    folder = one_exercise / "chatgpt/softmax-temperature"
    solution = (folder / "solution.py").read_text()
    (folder / "right/headed.py").write_text("# expected_score: 10\n" + solution)
    (folder / "right/modest.py").write_text("# expected_score: 8\n" + solution)
    rows, _ = selftest.run(one_exercise, seed_count=1)
    by_name = {row.sample: row for row in rows}
    assert by_name["right/headed.py"].ok
    assert not by_name["right/modest.py"].ok


def test_the_command_line_takes_the_number_of_seeds_and_names_the_failing_ones(one_exercise, capsys):
    from grader import cli

    sample = one_exercise / "chatgpt/softmax-temperature/right/lucky.py"
    sample.write_text(_DEPENDS_ON_THE_SEED.format(test="=="))
    assert cli.main(["selftest", str(one_exercise), "--seeds", "4"]) == 0  # seed 5 alone breaks it
    assert "on 4 seed(s) each" in capsys.readouterr().out
    assert cli.main(["selftest", str(one_exercise), "--seeds", "5", "--only", "softmax-temperature"]) == 1
    out = capsys.readouterr().out
    assert "right/lucky.py" in out and "seed 5: 7" in out
    assert cli.main(["selftest", str(one_exercise), "--seeds", "0"]) == 2
    assert cli.main(["selftest", str(one_exercise), "--only", "no-such-exercise"]) == 2
