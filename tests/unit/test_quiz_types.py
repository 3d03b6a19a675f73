import pytest

from grader import quiz

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


def test_ordering_is_full_only_when_exact_and_nothing_for_a_reversed_order():
    assert quiz.grade(ORDER, list("abcd")).score == 1
    assert quiz.grade(ORDER, list("dcba")).score == 0
    swapped = quiz.grade(ORDER, list("bacd"))
    assert 0 < swapped.score < 1 and not swapped.correct


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
