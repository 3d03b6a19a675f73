import math
import tomllib
from pathlib import Path

import pytest

from grader import quiz

NUMERIC = {
    "type": "numeric",
    "points": 1,
    "generator": "softmax_probability",
    "tolerance": {"absolute": 0.002},
    "generator_config": {"tokens": ["a", "b", "c", "d"], "temperatures": [0.5, 2.0]},
}
ROOT = Path(__file__).resolve().parents[2]
CHOICE = {
    "type": "single_choice",
    "points": 2,
    "answer": "x",
    "options": [
        {"id": "x", "text": {"pt": "X", "en": "X"}},
        {"id": "y", "text": {"pt": "Y", "en": "Y"}, "feedback": {"pt": "Não.", "en": "No."}},
    ],
}


def softmax_probability(params):
    scaled = [v / params["temperature"] for v in params["logits"]]
    exps = [math.exp(v) for v in scaled]
    return exps[params["tokens"].index(params["target"])] / sum(exps)


def test_same_student_always_gets_the_same_numbers():
    assert quiz.params_for(NUMERIC, "ex", "user:1") == quiz.params_for(NUMERIC, "ex", "user:1")


def test_different_students_get_different_numbers():
    drawn = {str(quiz.params_for(NUMERIC, "ex", f"user:{n}")["logits"]) for n in range(20)}
    assert len(drawn) > 15


def test_generated_answer_is_the_softmax_probability_of_the_target():
    for n in range(30):
        params = quiz.params_for(NUMERIC, "ex", f"user:{n}")
        assert params["temperature"] in (0.5, 2.0)
        assert params["answer"] == pytest.approx(softmax_probability(params), abs=1e-12)


def _bank_item(path):
    return tomllib.loads((ROOT / "exercises" / path / "exercise.toml").read_text())["quiz"]


def test_no_student_of_softmax_probability_passes_by_answering_0_or_1():
    # Before the redraw, 4.5% of students drew p <= 0.002, where "0" was within the tolerance.
    spec = _bank_item("chatgpt/softmax-probability")
    answers = [quiz.params_for(spec, "softmax-probability", f"user:{n}")["answer"] for n in range(20_000)]
    assert min(answers) >= 0.03 and max(answers) <= 0.97
    for answer in answers[:3000]:
        for lazy in ("0", "1", "0%", "100%"):
            assert not quiz.grade(spec, lazy, {"answer": answer}).correct


def test_a_draw_already_in_range_is_kept_so_students_keep_their_numbers():
    spec = _bank_item("chatgpt/softmax-probability")
    anything = {**spec, "generator_config": {**spec["generator_config"], "probability_range": [0.0, 1.0]}}
    kept = 0
    for n in range(500):
        first = quiz.params_for(anything, "softmax-probability", f"user:{n}")
        if 0.03 <= first["answer"] <= 0.97:
            assert quiz.params_for(spec, "softmax-probability", f"user:{n}") == first
            kept += 1
    assert kept > 400


def test_numeric_answer_within_tolerance_scores_full():
    params = quiz.params_for(NUMERIC, "ex", "user:7")
    result = quiz.grade(NUMERIC, f"{params['answer'] + 0.0015:.6f}", params)
    assert result.correct and result.score == 1


def test_numeric_answer_outside_tolerance_scores_zero():
    params = quiz.params_for(NUMERIC, "ex", "user:7")
    result = quiz.grade(NUMERIC, f"{params['answer'] + 0.003:.6f}", params)
    assert not result.correct and result.score == 0
    assert result.expected == pytest.approx(params["answer"])


def test_another_students_answer_is_wrong_for_me():
    mine = quiz.params_for(NUMERIC, "ex", "user:1")
    theirs = next(
        p
        for n in range(2, 50)
        if abs((p := quiz.params_for(NUMERIC, "ex", f"user:{n}"))["answer"] - mine["answer"]) > 0.01
    )
    assert not quiz.grade(NUMERIC, theirs["answer"], mine).correct


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0,25", 0.25),
        ("0.25", 0.25),
        (" 25% ", 0.25),
        (".5", 0.5),
        ("1e-1", 0.1),
        ("-0,5", -0.5),
        (3, 3.0),
        ("617.558.016", 617558016),
        ("1.234.567,5", 1234567.5),
        ("617,558,016", 617558016),
        ("0.237", 0.237),
        ("1,234", 1.234),
    ],
)
def test_numbers_are_read_as_brazilian_and_english_students_type_them(typed, value):
    assert quiz.parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["", "abc", "1,2,3", "0.2.3", "nan", "inf", None, [], "1,000.5"])
def test_unreadable_numbers_raise_a_bilingual_error(typed):
    with pytest.raises(quiz.MalformedAnswer) as info:
        quiz.parse_number(typed)
    assert info.value.message["pt"] and info.value.message["en"]


def test_relative_tolerance_scales_with_the_answer():
    spec = {"type": "numeric", "answer": 1000.0, "tolerance": {"relative": 0.01}}
    assert quiz.grade(spec, "1009").correct
    assert not quiz.grade(spec, "1011").correct


def test_single_choice_right_and_wrong_with_option_feedback():
    assert quiz.grade(CHOICE, "x").score == 2
    wrong = quiz.grade(CHOICE, "y")
    # The option's own feedback may point at the key: it is the explanation, shown when the key may be.
    assert wrong.score == 0 and wrong.feedback == {"pt": "Incorreto.", "en": "Incorrect."}
    assert wrong.explanation == {"pt": "Não.", "en": "No."}


def test_single_choice_unknown_option_is_malformed():
    with pytest.raises(quiz.MalformedAnswer):
        quiz.grade(CHOICE, "z")


def test_prompt_uses_the_decimal_mark_of_the_language():
    params = {"temperature": 0.5, "logits_table": [["a", 1.5], ["b", -2.0]]}
    template = "T={{temperature}} {{logits_table}} {{answer}} {{unknown}}"
    assert quiz.render_prompt(template, {**params, "answer": 0.3}, "pt") == "T=0,5 a: 1,5; b: -2 {{answer}} {{unknown}}"
    assert quiz.render_prompt(template, params, "en") == "T=0.5 a: 1.5; b: -2 {{answer}} {{unknown}}"
