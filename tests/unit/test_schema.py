"""The JSON Schema that editors use for exercise.toml is the one the manifest's models generate."""

import json
import tomllib
from pathlib import Path

from grader import cli, manifest

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "exercise.schema.json"


def test_the_committed_schema_is_the_generated_one():
    # After changing a model: .venv/bin/python -m grader schema > docs/exercise.schema.json
    assert COMMITTED.read_text(encoding="utf-8") == manifest.schema_text()


def test_the_cli_prints_it(capsys):
    assert cli.main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == manifest.schema()


def test_it_describes_every_kind_and_quiz_type():
    schema = manifest.schema()
    assert schema["discriminator"]["propertyName"] == "kind"
    quiz = schema["$defs"]["QuizExercise"]["properties"]["quiz"]
    assert set(quiz["discriminator"]["mapping"]) == set(manifest.TYPES)
    assert "null" not in manifest.schema_text()  # TOML has no null: optional fields are left out


def test_the_editor_configuration_points_at_it():
    rules = tomllib.loads((ROOT / ".taplo.toml").read_text(encoding="utf-8"))["rule"]
    assert any(rule["schema"]["path"] == "docs/exercise.schema.json" for rule in rules)
