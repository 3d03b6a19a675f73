"""Short answers and list answers accept what students really write, and nothing else."""

import pytest

from grader.quiz import text

BACKPROP = ["retropropagação", "retropropagação do erro", "backpropagation", "backprop"]
FILLER = {"algoritmo", "método", "de", "do", "da", "algorithm", "the"}


@pytest.mark.parametrize(
    "answer",
    [
        "Back-propagation",
        "back propagation",
        "retro-propagação",
        "Backpropagation (retropropagação)",
        "o backpropagation",
        "algoritmo de backpropagation",
        "retropropagacao",
        "Backpropagaton",  # one letter missing in a long word
        "Retropropagação.",
    ],
)
def test_spellings_of_one_short_answer_are_the_same_answer(answer):
    assert text.short_answer_match(answer, BACKPROP, FILLER, []) is not None


@pytest.mark.parametrize("answer", ["propagação", "forward propagation", "descida do gradiente", "back", ""])
def test_other_words_are_not_the_answer(answer):
    assert text.short_answer_match(answer, BACKPROP, FILLER, []) is None


def test_swapped_letters_are_one_typo_but_a_declared_near_miss_is_refused():
    assert text.short_answer_match("trasnformer", ["transformer"], set(), []) == "transformer"
    assert text.short_answer_match("transformar", ["transformer"], set(), []) == "transformer"
    assert text.short_answer_match("transformar", ["transformer"], set(), ["transformar"]) is None


def test_short_words_get_no_typo_allowance():
    assert text.short_answer_match("relo", ["relu"], set(), []) is None


NAMES = {
    "sigmoid": ["sigmoide", "sigmoid", "logística"],
    "tanh": ["tanh", "tangente hiperbólica"],
    "relu": ["ReLU", "rectified linear unit"],
    "leaky": ["Leaky ReLU"],
    "mse": ["MSE", "erro quadrático médio"],
}


def groups(answer: str) -> list[str]:
    return [group for group, _ in text.names_in_list(answer, NAMES, {"função", "function", "a", "e"})]


@pytest.mark.parametrize(
    "answer",
    [
        "1. ReLU\n2. Sigmoide\n3) Tanh",
        "- ReLU\n- sigmoid\n• tanh",
        "ReLU, sigmoide e tanh",
        "sigmoid; tanh / relu",
        "função sigmoide, a função ReLU, tangente hiperbólica",
        "As principais são a sigmoide, a tangente hiperbólica e a ReLU.",
        "ReLU (Rectified Linear Unit), sigmóide (logística), tanh",
    ],
)
def test_every_list_format_gives_the_three_items(answer):
    assert sorted(set(groups(answer))) == ["relu", "sigmoid", "tanh"]
    assert len(groups(answer)) == 3  # a gloss after a name is not a second item


def test_the_longest_name_wins_and_a_gloss_alone_names_its_item():
    assert groups("Leaky ReLU, ReLU") == ["leaky", "relu"]
    assert groups("a curva em S (logística)") == ["sigmoid"]


def test_a_wrong_item_is_found_as_such():
    assert groups("ReLU, MSE") == ["relu", "mse"]


def test_clauses_and_segments():
    read = text.read("Com T alta, fica plana. Mas com T baixa, e quando cai, vira argmax")
    clauses = [[t.folded for t in clause] for clause in read.clauses]
    assert clauses[0] == ["com", "t", "alta", "fica", "plana"]
    assert ["mas", "com", "t", "baixa"] in clauses
    assert ["e", "quando", "cai", "vira", "argmax"] in clauses


def test_a_list_answer_names_back_the_wrong_items_that_cost_credit():
    from grader import content, quiz

    spec = content.find_exercise("activation-functions-list").quiz
    graded = quiz.grade(spec, "1. ReLU\n2. função sigmoide (logística)\n3) tangente hiperbólica\n- MSE")
    assert graded.score == 0.6667
    assert graded.details == {"found": ["sigmoide", "tanh", "ReLU"], "wrong": ["MSE"]}
    assert graded.feedback["pt"].endswith("tira crédito: MSE.")
