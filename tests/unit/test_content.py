import shutil
from pathlib import Path

from grader import content

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


def test_shipped_content_is_valid():
    lessons, exercises, errors = content.discover(EXERCISES)
    assert errors == []
    assert {lesson.slug for lesson in lessons} == {"chatgpt", "redes-neurais"}
    assert {"softmax-temperature", "softmax-probability"} <= {e.id for e in exercises}


def test_public_data_never_holds_hidden_files():
    exercise = content.find_exercise("softmax-temperature", EXERCISES)
    data = str(exercise.public_data())
    solution = (exercise.path / "solution.py").read_text()
    # A hint may name `amax`; the solution's own line never appears.
    line = next(line for line in solution.splitlines() if "amax" in line).strip()
    assert line not in data
    assert "make_cases" not in data


def test_content_hash_changes_with_any_file(tmp_path):
    folder = tmp_path / "chatgpt" / "softmax-temperature"
    shutil.copytree(EXERCISES / "chatgpt" / "softmax-temperature", folder)
    before = content.content_hash(folder)
    (folder / "prompt.en.md").write_text("changed")
    assert content.content_hash(folder) != before


def test_an_invalid_folder_reports_every_error_with_file_and_field(tmp_path):
    lesson = tmp_path / "chatgpt"
    bad = lesson / "broken"
    bad.mkdir(parents=True)
    (lesson / "lesson.toml").write_text('order = 1\n[title]\npt = "A"\nen = "A"\n[summary]\npt = "s"\nen = "s"\n')
    (bad / "exercise.toml").write_text(
        'id = "other-name"\nkind = "code"\norder = "first"\n[title]\npt = "T"\n'
        '[code]\nqueue = "tpu"\nlimits = { memory_mb = -1, colour = 3 }\n'
    )
    _, exercises, errors = content.discover(tmp_path)
    assert exercises == []
    found = {(e.path, e.field) for e in errors}
    expected_fields = {
        "id",
        "order",
        "title.en",
        "prompt.pt.md",
        "prompt.en.md",
        "code.queue",
        "code.limits.memory_mb",
        "code.limits.colour",
        "starter.py",
        "solution.py",
        "checks.py",
        "code.checks",
    }
    assert {("chatgpt/broken/exercise.toml", f) for f in expected_fields} <= found


def test_broken_toml_is_reported_not_raised(tmp_path):
    folder = tmp_path / "l" / "x"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text("id = [unclosed")
    _, errors = content.load_exercise(folder, tmp_path)
    assert len(errors) == 1 and "not valid TOML" in errors[0].message
