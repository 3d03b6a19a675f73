"""Typed manifests: what an author may write in exercise.toml and lesson.toml, and how a mistake is reported."""

import re
import tomllib

import pytest

from grader import content, manifest, quiz
from tests.unit.test_quiz import CHOICE, NUMERIC
from tests.unit.test_quiz_types import FREE, LIST, MATCH, MULTI, ORDER, SHORT

HEADER = 'id = "item"\nkind = "quiz"\norder = 1\ntitle = { pt = "Item", en = "Item" }\n'


def quiz_table(toml_text: str) -> dict:
    return tomllib.loads(toml_text)["quiz"]


def errors_of(spec: dict) -> dict[str, str]:
    return dict(manifest.quiz_errors(spec))


def test_every_example_spec_is_valid():
    for spec in (NUMERIC, CHOICE, MULTI, ORDER, MATCH, SHORT, LIST, FREE):
        assert manifest.quiz_errors(spec) == [], spec["type"]


def test_every_registered_type_is_in_the_union_on_quiz_type():
    assert manifest.quiz_errors({"type": "essay"}) == [
        ("quiz.type", f"must be one of {', '.join(quiz.TYPES)}, got 'essay'")
    ]


def test_spec_validation_lists_every_problem_with_its_field():
    fields = errors_of({"type": "numeric", "generator": "nope", "tolerance": {"absolute": -1, "x": 1}})
    assert {"quiz.generator", "quiz.tolerance.absolute", "quiz.tolerance.x"} <= set(fields)
    assert manifest.quiz_errors({**CHOICE, "answer": "missing"}) == [
        ("quiz.answer", "must be one of the option ids ['x', 'y']")
    ]


def test_cross_field_mistakes_name_the_field_to_change():
    assert errors_of({**MATCH, "answer": {}}) == {"quiz.answer": "must map every left id to a right id"}
    assert errors_of({**LIST, "required": 9}) == {"quiz.required": "must be between 1 and 4"}
    assert set(errors_of({"type": "short_answer"})) == {"quiz.accepted"}
    assert errors_of({"type": "numeric", "tolerance": {"absolute": 0.1}}) == {
        "quiz.answer": "a numeric item needs an answer or a generator"
    }
    doubled = {**ORDER, "items": ORDER["items"] + ORDER["items"][:1]}
    assert errors_of(doubled) == {"quiz.items": "ids must be unique; repeated: a"}


def test_a_string_where_a_list_is_expected_is_an_error_not_a_list_of_letters():
    spec = quiz_table(
        "[quiz]\ntype = 'free_text'\n[[quiz.concepts]]\nid = 'a'\n"
        "name = { pt = 'atenção', en = 'attention' }\npt = 'atencao'\n"
    )
    assert errors_of(spec) == {"quiz.concepts[0].pt": "must be a valid list, got 'atencao'"}
    assert "quiz.answer" in errors_of({**MULTI, "answer": "relu"})
    assert "quiz.items[0].names" in errors_of({**LIST, "items": [{"names": "sigmoid"}]})


def test_a_tolerance_of_true_is_refused():
    assert errors_of({**NUMERIC, "tolerance": True}) == {"quiz.tolerance": "must be a table, got True"}
    assert errors_of({**NUMERIC, "tolerance": {"absolute": True}}) == {
        "quiz.tolerance.absolute": "must be a valid number, got True"
    }


@pytest.mark.parametrize("points", [True, "2", 0, -1])
def test_points_must_be_a_positive_number_and_a_bool_is_not_one(points):
    assert set(errors_of({**CHOICE, "points": points})) == {"quiz.points"}


def test_whole_numbers_are_numbers():
    assert manifest.quiz_errors({**NUMERIC, "points": 2, "tolerance": {"absolute": 0}}) == []


def test_an_unknown_field_is_reported_as_a_typo():
    assert errors_of({**NUMERIC, "tolerence": {"absolute": 0.1}}) == {"quiz.tolerence": "unknown field (a typo?)"}
    options = [{**CHOICE["options"][0], "feedbak": {"pt": "x", "en": "x"}}, CHOICE["options"][1]]
    assert errors_of({**CHOICE, "options": options}) == {"quiz.options[0].feedbak": "unknown field (a typo?)"}


def test_a_field_of_another_type_is_unknown_here():
    # free_text has no feedback_wrong: nothing would read it.
    assert set(errors_of({**FREE, "feedback_wrong": {"pt": "x", "en": "x"}})) == {"quiz.feedback_wrong"}


def test_bilingual_texts_need_both_languages_not_empty():
    options = [{"id": "x", "text": {"pt": "X", "en": " "}}, {"id": "y", "text": {"pt": "Y"}}]
    assert errors_of({**CHOICE, "options": options}) == {
        "quiz.options[0].text.en": "required text is missing or empty",
        "quiz.options[1].text.en": "required",
    }


def test_a_multi_word_accented_pattern_matches_the_answer_with_or_without_accents():
    spec = manifest.quiz_data(
        manifest.quiz(
            {
                "type": "free_text",
                "min_words": 3,
                "concepts": [
                    {"id": "a", "name": {"pt": "a", "en": "a"}, "pt": ["Atenção Própria", "Próxima Palavra|Token"]}
                ],
            }
        )
    )
    assert quiz.grade(spec, "A atenção própria liga cada palavra").score == 1
    assert quiz.grade(spec, "A atencao propria liga cada palavra").score == 1
    assert quiz.grade(spec, "Prevê a próxima nova palavra da frase").score == 1


def test_a_regular_expression_is_refused_not_silently_dropped():
    spec = {"type": "free_text", "concepts": [{"id": "a", "name": {"pt": "a", "en": "a"}, "en": [r"\Sa\W\D"]}]}
    (field, message), *_ = manifest.quiz_errors(spec)
    assert field == "quiz.concepts[0].en" and "not part of the rubric language" in message


def test_a_bad_pattern_is_reported_with_the_concept():
    spec = {"type": "free_text", "concepts": [{"id": "a", "name": {"pt": "a", "en": "a"}, "pt": ["(open"]}]}
    (field, message), *_ = manifest.quiz_errors(spec)
    assert field == "quiz.concepts[0].pt" and message.startswith("bad pattern '(open'")


def test_the_richer_rubric_format_is_accepted():
    spec = quiz_table(
        """
        [quiz]
        type = "free_text"
        engine = "rubric-1"
        [[quiz.concepts]]
        id = "divides-logits"
        name = { pt = "divide os logits", en = "divides the logits" }
        praise = { pt = "como a temperatura entra", en = "how temperature enters" }
        revisit = { pt = "Reveja a softmax.", en = "Revisit softmax." }
        pt = ["dividir + logit"]
        en = ["divide + logit"]
        [[quiz.misconceptions]]
        id = "inverted"
        name = { pt = "inverte", en = "swaps" }
        revisit = { pt = "Confira.", en = "Check." }
        pt = ["baixa + criativo"]
        """
    )
    data = manifest.quiz_data(manifest.quiz(spec))
    assert data["engine"] == "rubric-1" and data["misconceptions"][0]["penalty"] == 1
    assert data["concepts"][0]["praise"]["en"] == "how temperature enters"
    assert errors_of({**spec, "misconceptions": [{**spec["misconceptions"][0], "penalty": 0}]}) == {
        "quiz.misconceptions[0].penalty": "must be greater than 0, got 0"
    }


def test_answer_keys_may_name_filler_words_and_known_wrong_items():
    short = {**SHORT, "filler": {"pt": ["a"], "en": ["the"]}}
    listed = {**LIST, "filler": {"pt": ["função"]}, "wrong": [{"names": ["MSE", "erro quadrático"]}]}
    assert manifest.quiz_errors(short) == [] and manifest.quiz_errors(listed) == []
    assert set(errors_of({**LIST, "filler": ["função"]})) == {"quiz.filler"}


def test_defaults_are_filled_in_for_the_site():
    every_item = {key: value for key, value in LIST.items() if key != "required"}
    data = manifest.quiz_data(manifest.quiz(every_item))
    assert (data["points"], data["required"], data["samples"]) == (1, 4, [])
    assert "feedback_wrong" not in data  # unset options stay out of the stored JSON
    assert manifest.quiz_data(manifest.quiz(FREE))["concepts"][0]["weight"] == 1


@pytest.mark.parametrize(
    ("sample", "field"),
    [
        ({"answer": "x"}, "quiz.samples[0].score"),
        ({"answer": "x", "score": 1.5}, "quiz.samples[0].score"),
        ({"answer": ["a", "b"], "score": 1}, "quiz.samples[0].answer"),
    ],
)
def test_samples_need_an_answer_of_the_types_shape_and_a_score_from_0_to_1(sample, field):
    assert set(errors_of({**CHOICE, "samples": [sample]})) == {field}


def test_every_type_accepts_samples():
    specs = {"numeric": (NUMERIC, "0,25"), "single_choice": (CHOICE, "x"), "free_text": (FREE, "text")}
    specs |= {"multiple_choice": (MULTI, ["relu"]), "ordering": (ORDER, list("abcd"))}
    specs |= {"matching": (MATCH, MATCH["answer"]), "short_answer": (SHORT, "backprop"), "list_answer": (LIST, "relu")}
    specs["parsons"] = ({**ORDER, "type": "parsons"}, list("abcd"))
    assert set(specs) == set(quiz.TYPES)
    for spec, answer in specs.values():
        assert manifest.quiz_errors({**spec, "samples": [{"answer": answer, "score": 1}]}) == [], spec["type"]


def test_an_interactive_widget_must_be_well_formed():
    good = {**CHOICE, "interactive": {"kind": "softmax_temperature", "tokens": ["x", "y"], "logits": [1.0, 2]}}
    assert manifest.quiz_errors(good) == []
    bad = {**CHOICE, "interactive": {"kind": "softmax_temperature", "tokens": ["x"], "logits": [1.0, 2.0]}}
    assert manifest.quiz_errors(bad)[0][0] == "quiz.interactive"


def test_a_generators_config_is_checked_by_the_generator():
    assert set(errors_of({**NUMERIC, "generator_config": {"tokens": "abcd"}})) == {"quiz.generator_config.tokens"}
    assert set(errors_of({**NUMERIC, "generator_config": {"colour": 1}})) == {"quiz.generator_config.colour"}
    narrow = {**NUMERIC, "generator_config": {"probability_range": [0.5, 0.6]}}
    assert set(errors_of(narrow)) == {"quiz.generator_config.probability_range"}


def test_an_exercise_is_a_union_on_kind():
    assert manifest.exercise_errors({"id": "x", "kind": "essay", "title": {"pt": "a", "en": "a"}}) == [
        ("kind", "must be one of quiz, code, got 'essay'")
    ]


def test_a_code_table_is_typed_too(tmp_path):
    folder = tmp_path / "lesson" / "item"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(
        HEADER.replace('"quiz"', '"code"')
        + '[code]\nattempts = true\nhints = [{ pt = "p", en = "e", colour = "x" }]\n'
        + 'static = { forbid = "torch.softmax" }\n'
        + '[[code.checks]]\nname = "a"\npoints = 1\ntitle = { pt = "A", en = "A" }\n'
        + '[[code.checks]]\nname = "a"\npoints = 1\ntitle = { pt = "A", en = "A" }\n'
    )
    _, errors = content.load_exercise(folder, tmp_path)
    fields = {error.field for error in errors}
    assert {"code.attempts", "code.hints[0].colour", "code.static.forbid"} <= fields
    assert all(re.fullmatch(r"[\w.\[\]]+", error.field) for error in errors), errors


def test_check_names_are_unique():
    check = {"name": "a", "points": 1, "title": {"pt": "A", "en": "A"}}
    data = {**tomllib.loads(HEADER), "kind": "code", "code": {"checks": [check, check]}}
    assert manifest.exercise_errors(data) == [("code.checks", "check names must be unique; repeated: a")]
