"""sync_exercises: validate everything, load atomically, keep every version."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Exercise, ExerciseVersion
from tests.conftest import EXERCISES

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_sync_loads_every_exercise_and_lesson(content):
    call_command("sync_exercises", str(content))
    assert set(Exercise.objects.values_list("slug", flat=True)) >= {"softmax-temperature", "softmax-probability"}
    code = Exercise.objects.get(slug="softmax-temperature")
    assert code.kind == "code" and code.lesson.slug == "chatgpt"
    assert code.current_version.queue == "cpu" and code.current_version.max_score == 10


def test_an_edit_makes_a_new_version_and_keeps_the_old_one(content):
    call_command("sync_exercises", str(content))
    old = Exercise.objects.get(slug="softmax-temperature").current_version
    (content / "chatgpt/softmax-temperature/prompt.en.md").write_text("A new prompt.\n")
    call_command("sync_exercises", str(content))
    current = Exercise.objects.get(slug="softmax-temperature").current_version
    assert current.pk != old.pk
    assert current.data["prompt"]["en"] == "A new prompt.\n"
    assert ExerciseVersion.objects.filter(pk=old.pk).exists()


def test_syncing_twice_changes_nothing(content, capsys):
    call_command("sync_exercises", str(content))
    versions = ExerciseVersion.objects.count()
    call_command("sync_exercises", str(content))
    assert ExerciseVersion.objects.count() == versions
    assert " 0 new, 0 updated" in capsys.readouterr().out


def test_invalid_content_loads_nothing_and_lists_each_error(content, capsys):
    (content / "chatgpt/softmax-temperature/starter.py").unlink()
    (content / "chatgpt/gpt-meaning/prompt.en.md").unlink()
    with pytest.raises(CommandError, match="2 error"):
        call_command("sync_exercises", str(content))
    errors = capsys.readouterr().err
    assert "softmax-temperature/exercise.toml: starter.py: file is missing" in errors
    assert "gpt-meaning/exercise.toml: prompt.en.md: file is missing" in errors
    assert Exercise.objects.count() == 0


def test_a_removed_folder_is_retired_not_deleted(content):
    call_command("sync_exercises", str(content))
    shutil.rmtree(content / "chatgpt/gpt-meaning")
    call_command("sync_exercises", str(content))
    assert Exercise.objects.get(slug="gpt-meaning").active is False


def test_the_site_never_imports_hidden_checks(content):
    (content / "chatgpt/softmax-temperature/checks.py").write_text("raise SystemExit('imported by the site')\n")
    call_command("sync_exercises", str(content))  # would exit if it imported checks.py
    assert Exercise.objects.filter(slug="softmax-temperature").exists()
