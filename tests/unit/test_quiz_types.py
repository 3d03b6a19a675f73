from itertools import permutations

import pytest

from grader import quiz
from grader.manifest import quiz_errors

MULTI = {
    "type": "multiple_choice",
    "points": 2,
    "answer": ["relu", "sigmoid"],
    "options": [{"id": i, "text": {"pt": i, "en": i}} for i in ("relu", "sigmoid", "linear", "mse")],
}
ORDER = {"type": "ordering", "items": [{"id": c, "text": {"pt": c, "en": c}} for c in "abcd"]}
MATCH = {
    "type": "matching",
    "left": [{"id": k, "text": {"pt": k, "en": k}} for k in ("regression", "classes", "labels")],
    "right": [{"id": v, "text": {"pt": v, "en": v}} for v in ("relu", "softmax", "sigmoid", "tanh")],
    "answer": {"regression": "relu", "classes": "softmax", "labels": "sigmoid"},
}
SHORT = {"type": "short_answer", "accepted": {"pt": ["retropropagação"], "en": ["backpropagation", "backprop"]}}
LIST = {
    "type": "list_answer",
    "required": 3,
    "items": [
        {"names": ["sigmoide", "sigmoid", "logística", "logistic"]},
        {"names": ["ReLU", "rectified linear unit"]},
        {"names": ["tanh", "tangente hiperbólica", "hyperbolic tangent"]},
        {"names": ["softmax"]},
    ],
}


@pytest.mark.parametrize(
    ("chosen", "score"),
    [(["relu", "sigmoid"], 2), (["relu"], 1), (["relu", "linear"], 0), (["relu", "sigmoid", "mse"], 1), ([], None)],
)
def test_multiple_choice_gives_partial_credit_and_takes_it_back_for_wrong_picks(chosen, score):
    if score is None:
        with pytest.raises(quiz.MalformedAnswer):
            quiz.grade(MULTI, chosen)
    else:
        assert quiz.grade(MULTI, chosen).score == score


def test_ordering_is_all_or_nothing_unless_the_item_asks_for_the_longest_run():
    assert quiz.grade(ORDER, list("abcd")).score == 1
    assert quiz.grade(ORDER, list("dcba")).score == 0
    assert quiz.grade(ORDER, list("abdc")).score == 0  # one swap at the end: still wrong
    run = {**ORDER, "credit": "longest_run"}
    assert quiz.grade(run, list("abdc")).score == 0.5  # a and b in place, then the first misplaced one
    assert quiz.grade(run, list("bacd")).score == 0  # wrong from the first item: nothing, however tidy the tail
    assert quiz.grade(run, list("abcd")).correct


# One training step: zero_grad anywhere before backward, or last, but never between backward and step.
STEP = {
    "type": "parsons",
    "credit": "all_or_nothing",
    "items": [{"id": c, "code": f"{c}()"} for c in ("zero", "forward", "loss", "backward", "step")],
    "rules": [
        {"item": "forward", "before": "loss"},
        {"item": "loss", "before": "backward"},
        {"item": "backward", "before": "step"},
        {
            "item": "zero",
            "not_between": ["backward", "step"],
            "feedback": {"pt": "zero_grad() apaga os gradientes.", "en": "zero_grad() wipes the gradients."},
        },
    ],
}
STEP_RIGHT = [
    ["zero", "forward", "loss", "backward", "step"],
    ["forward", "zero", "loss", "backward", "step"],
    ["forward", "loss", "zero", "backward", "step"],
    ["forward", "loss", "backward", "step", "zero"],
]


def test_rules_accept_every_right_order_and_nothing_else():
    right = [list(order) for order in permutations(STEP_RIGHT[0]) if quiz.grade(STEP, list(order)).correct]
    assert sorted(right) == sorted(STEP_RIGHT)


def test_a_broken_rule_says_its_feedback():
    graded = quiz.grade(STEP, ["forward", "loss", "backward", "zero", "step"])
    assert graded.score == 0 and "zero_grad()" in graded.feedback["en"] and "zero_grad()" in graded.feedback["pt"]
    assert graded.details["broken"] == ["zero not between backward and step"]
    # A rule without feedback breaks silently: only the verdict is said.
    graded = quiz.grade(STEP, ["loss", "forward", "zero", "backward", "step"])
    assert graded.feedback["en"] == "Incorrect." and graded.details["broken"] == ["forward before loss"]


def test_longest_run_with_rules_counts_from_the_first_item_up_to_the_first_out_of_place():
    run = {**STEP, "credit": "longest_run"}
    assert quiz.grade(run, ["forward", "loss", "backward", "zero", "step"]).score == 0.6
    assert quiz.grade(run, ["backward", "zero", "forward", "loss", "step"]).score == 0  # cannot run at all
    assert quiz.grade(run, ["zero", "forward", "backward", "loss", "step"]).score == 0.4


def test_keyed_answers_are_every_right_order_and_wrong_ones_at_their_declared_credit():
    for credit in ("all_or_nothing", "longest_run"):
        spec = {**STEP, "credit": credit}
        keyed = quiz.item_type("parsons").keyed_answers(spec, {})
        full = [answer for _, answer, share in keyed if share == 1]
        assert sorted(full) == sorted(STEP_RIGHT)
        wrong = [(answer, share) for _, answer, share in keyed if answer not in STEP_RIGHT]
        assert len(wrong) >= 5 and all(quiz.grade(spec, answer).score == share for answer, share in wrong)
        assert any(share > 0 for _, share in wrong) == (credit == "longest_run")


def test_the_page_states_the_credit_and_never_shows_a_right_order():
    item = quiz.item_type("parsons")
    context = item.context(STEP, 1, "en")
    assert "All or nothing" in context["credit_note"] and "More than one order" in context["credit_note"]
    assert "crédito parcial" in item.context({**STEP, "credit": "longest_run"}, 1, "pt")["credit_note"]
    assert "More than one" not in item.context(ORDER, 1, "en")["credit_note"]
    for seed in range(200):
        assert [entry["id"] for entry in item.context(STEP, seed, "en")["items"]] not in STEP_RIGHT


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([{"item": "zero", "before": "nope"}], "quiz.rules[0]"),
        ([{"item": "step", "before": "zero"}], "quiz.rules[0]"),  # the listed order breaks it
        ([{"item": "zero", "before": "step", "not_between": ["loss", "step"]}], "quiz.rules[0]"),
        ([{"item": "zero", "not_between": ["zero", "step"]}], "quiz.rules[0]"),
    ],
)
def test_rules_that_name_no_item_contradict_the_listed_order_or_mix_kinds_are_refused(rules, field):
    assert field in {where for where, _ in quiz_errors({**STEP, "rules": rules})}


def test_ordering_refuses_a_list_that_is_not_a_permutation():
    with pytest.raises(quiz.MalformedAnswer):
        quiz.grade(ORDER, list("aabc"))


def test_matching_scores_each_right_pair():
    assert quiz.grade(MATCH, MATCH["answer"]).score == 1
    half = {"regression": "relu", "classes": "sigmoid", "labels": "softmax"}
    assert quiz.grade(MATCH, half).score == pytest.approx(1 / 3, abs=1e-3)
    with pytest.raises(quiz.MalformedAnswer):
        quiz.grade(MATCH, {"regression": "relu"})


@pytest.mark.parametrize("typed", ["Retropropagação", "retropropagacao", "  BACKPROP. ", "back-propagation"])
def test_short_answers_ignore_case_accents_punctuation_hyphens_and_language(typed):
    assert quiz.grade(SHORT, typed).correct


def test_list_answers_count_each_idea_once_whatever_its_spelling():
    assert quiz.grade(LIST, "Sigmóide, ReLU\ntangente hiperbólica").score == 1
    assert quiz.grade(LIST, "sigmoid; logistic; logística").score == pytest.approx(1 / 3, abs=1e-3)
    assert quiz.grade(LIST, "relu, softmax, made-up, another").score == pytest.approx(2 / 3, abs=1e-3)
    with pytest.raises(quiz.MalformedAnswer):
        quiz.grade(LIST, " , ;")


FREE = {
    "type": "free_text",
    "points": 2,
    "min_words": 8,
    "concepts": [
        {"id": "attention", "name": {"pt": "atenção", "en": "attention"}, "pt": ["atencao"], "en": ["attention"]},
        {
            "id": "context",
            "name": {"pt": "contexto", "en": "context"},
            "weight": 3,
            "pt": ["contexto"],
            "en": ["context"],
        },
    ],
}


def test_free_text_is_scored_by_weighted_concepts_and_marked_provisional():
    full = quiz.grade(FREE, "O mecanismo de atenção usa o contexto da frase para decidir o sentido.")
    assert (full.score, full.details["provisional"]) == (2, True)
    assert full.details["concepts"] == ["attention", "context"] and full.details["engine"] == "rubric-1"
    partial = quiz.grade(FREE, "The model looks at the context of the sentence to pick the meaning.")
    # The feedback says something is missing without naming what the rubric looks for.
    assert partial.score == 1.5 and "attention" not in partial.feedback["en"]


def test_free_text_refuses_a_bare_keyword_list_and_too_short_answers():
    listed = quiz.grade(FREE, "atenção contexto atenção contexto embedding vetor transformer softmax")
    assert listed.score == 0 and listed.details["flags"] == ["bare_terms"]
    with pytest.raises(quiz.MalformedAnswer):
        quiz.grade(FREE, "atenção e contexto")
