"""The answer corpora: every graded-by-words item has one, and the gate they feed can fail."""

import textwrap

import pytest

from grader import content, corpus, quiz
from grader.quiz import rubric, text

WORD_TYPES = ("free_text", "short_answer", "list_answer")


def _items():
    _, exercises, errors = content.discover()
    assert not errors
    return [e for e in exercises if e.kind == "quiz" and e.quiz["type"] in WORD_TYPES]


ITEMS = _items()


def test_both_lessons_have_items_graded_by_words():
    assert {e.lesson for e in ITEMS} == {"chatgpt", "redes-neurais"}
    assert {e.quiz["type"] for e in ITEMS} == set(WORD_TYPES)


@pytest.mark.parametrize("exercise", ITEMS, ids=lambda e: e.id)
def test_every_item_has_a_corpus_of_at_least_25_answers_in_both_languages(exercise):
    entries, errors = corpus.load(exercise.path, exercise.quiz)
    assert errors == []
    assert len(entries) >= 25
    assert {e.lang for e in entries} == {"pt", "en"}
    assert any(e.expected == 0 for e in entries) and any(e.expected == 1 for e in entries)


@pytest.mark.parametrize("exercise", ITEMS, ids=lambda e: e.id)
def test_every_item_agrees_with_its_corpus(exercise):
    report = corpus.grade_corpus(exercise.id, exercise.path, exercise.quiz, quiz.grade)
    assert report is not None
    assert report.false_passes == [] and report.false_fails == []
    assert report.agreement >= corpus.AGREEMENT_TARGET


FREE_TEXT = [e for e in ITEMS if e.quiz["type"] == "free_text"]


@pytest.mark.parametrize("exercise", FREE_TEXT, ids=lambda e: e.id)
def test_what_the_feedback_says_to_revisit_cannot_be_pasted_back_for_points(exercise):
    spec = exercise.quiz
    for lang in ("pt", "en"):
        hints = " ".join(e["revisit"][lang] for e in spec["concepts"] + spec.get("misconceptions", []))
        verdict = rubric.evaluate(spec, text.read(hints))
        assert verdict.concepts == [] and verdict.misconceptions == [], verdict.evidence


@pytest.mark.parametrize("exercise", FREE_TEXT, ids=lambda e: e.id)
def test_every_concept_and_misconception_has_an_id_and_says_what_to_revisit(exercise):
    for entry in exercise.quiz["concepts"] + exercise.quiz.get("misconceptions", []):
        assert entry.get("id")
        assert entry["revisit"]["pt"] and entry["revisit"]["en"]


SPEC = {
    "type": "free_text",
    "points": 3,
    "min_words": 3,
    "concepts": [
        {"id": "a", "name": {"pt": "a", "en": "a"}, "pt": ["dividir logit"], "en": []},
        {"id": "b", "name": {"pt": "b", "en": "b"}, "pt": ["alta + plana"], "en": []},
    ],
    "misconceptions": [{"id": "m", "name": {"pt": "m", "en": "m"}, "pt": ["baixa + criativo"], "en": []}],
}


def _write(tmp_path, body: str):
    (tmp_path / "answers.toml").write_text(textwrap.dedent(body), encoding="utf-8")


def test_a_label_that_does_not_follow_from_its_concepts_is_an_error(tmp_path):
    _write(
        tmp_path,
        """
        [[answers]]
        lang = "pt"
        text = "divide os logits"
        concepts = ["a"]
        expected = 1.0
        """,
    )
    entries, errors = corpus.load(tmp_path, SPEC)
    assert entries == [] and "does not follow" in errors[0]


def test_an_unknown_concept_id_is_an_error(tmp_path):
    _write(tmp_path, '[[answers]]\nlang = "pt"\ntext = "x y z"\nconcepts = ["zzz"]\nexpected = 0.5\n')
    assert "unknown concept" in corpus.load(tmp_path, SPEC)[1][0]


def test_the_gate_fails_on_a_false_pass(tmp_path):
    # A teacher gives this nothing; a rubric that matched words alone would give it full marks.
    _write(
        tmp_path,
        """
        [[answers]]
        lang = "pt"
        text = "Os logits e a softmax são a temperatura do modelo de linguagem."
        concepts = []
        expected = 0.0
        """,
    )
    loose = {**SPEC, "concepts": [{**c, "pt": ["logit"]} for c in SPEC["concepts"]]}
    report = corpus.grade_corpus("x", tmp_path, loose, quiz.grade)
    assert report.false_passes and not report.ok
    strict = corpus.grade_corpus("x", tmp_path, SPEC, quiz.grade)
    assert strict.false_passes == []


def test_the_corpus_command_prints_the_disagreements_and_the_figures(capsys):
    from grader import cli

    assert cli.main(["corpus", "problems-solved"]) == 0
    out = capsys.readouterr().out
    assert "[DIFF]" in out and "found:" in out
    assert out.strip().splitlines()[-1].startswith("problems-solved: 33 answers, agreement")


def test_the_corpus_command_refuses_an_item_without_a_corpus(capsys):
    from grader import cli

    assert cli.main(["corpus", "gpt-meaning"]) == 2
    assert "has no answers.toml" in capsys.readouterr().err


def test_the_held_out_benchmark_runs_and_prints_its_figures():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "bench" / "rubric_heldout.py"
    done = subprocess.run([sys.executable, str(script), "--smoke", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "all" in done.stdout and "grading one answer: median" in done.stdout
