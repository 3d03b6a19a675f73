"""The rubric engine reads words in their sentences: inflections meet, substrings and negations do not."""

import pytest

from grader.quiz import rubric, text


def matches(pattern: str, answer: str, lang: str = "pt") -> bool:
    return rubric.find(rubric.compile_pattern(pattern, lang), text.read(answer)) is not None


def test_inflections_accents_and_one_typo_meet_the_pattern():
    assert matches("prever proxima palavra", "O modelo aprende a prever as próximas palavras.")
    assert matches("prever proxima palavra", "ele preve a proxima palavra")
    assert matches("atencao", "Com a atensão o modelo olha as outras palavras.")
    assert matches("diminuir", "Quando a temperatura diminui, a saída fica previsível.")


def test_a_word_is_never_found_inside_another_word():
    assert not matches("gerar", "Em geral as redes resolvem muitos problemas.")
    assert not matches("texto", "O contexto decide o sentido da palavra.")
    assert not matches("previsivel", "A saída fica imprevisível com temperatura alta.")


def test_a_negation_just_before_the_idea_cancels_it():
    assert matches("ajuste_fino", "O ChatGPT passou por ajuste fino.")
    assert not matches("ajuste_fino", "O ChatGPT não tem ajuste fino nem RLHF.")
    assert not matches("rlhf", "O ChatGPT não tem ajuste fino nem RLHF.")
    assert not matches("attention", "It does not use attention at all.", "en")


def test_no_is_a_negation_in_english_only():
    assert matches("treinamento + atualizar pesos", "Ela é usada no treinamento para atualizar os pesos.")
    assert not matches("attention", "There is no attention in it.", "en")


def test_a_pattern_that_spells_the_negation_is_not_cancelled_by_it():
    assert matches("nao_caberia + memoria", "Uma rede assim não caberia na memória de nenhuma GPU.")


def test_a_relation_holds_inside_one_clause_only():
    pattern = "baixa + criativo"
    assert matches(pattern, "Com temperatura baixa o texto fica mais criativo.")
    # Two contrasting clauses: "baixa" and "criativo" belong to different ideas.
    assert not matches(pattern, "A temperatura alta deixa o texto criativo, mas a baixa deixa previsível.")
    assert not matches(pattern, "Quando é alta fica criativo e quando é baixa fica repetitivo.")


def test_a_relation_may_run_from_a_fronted_phrase_into_the_next_segment():
    assert matches("alta + plana", "Com temperatura alta, a distribuição fica plana.")
    # ...but not backwards across a comma, into a new thought.
    assert not matches("high + random", "Low makes it random, high makes it deterministic.", "en")


def test_less_reverses_what_follows():
    assert not matches("baixa + criativo", "Com temperatura baixa o modelo fica menos criativo.")
    assert matches("baixa + menos_criativo", "Com temperatura baixa o modelo fica menos criativo.")


def test_a_not_after_word_excludes_the_context():
    pattern = "!criar|gerar imagem"
    assert matches(pattern, "Classificar imagens de raio-x.")
    assert not matches(pattern, "Programas que criam imagens a partir de texto.")


def test_symbols_students_type_are_read_as_words():
    assert matches("gt + plana", "T > 1: distribuição plana")
    assert matches("lt + argmax", "T < 1 (perto de 0): vira argmax")


@pytest.mark.parametrize(
    ("source", "reason"),
    [("pre*", "prefix needs at least 4"), ("a + ", "empty"), ("|", "empty alternative"), ("!a !b c", "first word")],
)
def test_bad_patterns_are_refused_with_a_reason(source, reason):
    with pytest.raises(rubric.PatternError, match=reason):
        rubric.compile_pattern(source, "pt")


SPEC = {
    "concepts": [
        {"id": "a", "pt": ["dividir logit"], "revisit": {"pt": "Reveja o cálculo.", "en": "Revisit the computation."}},
        {"id": "b", "pt": ["alta + plana"], "praise": {"pt": "o extremo alto", "en": "the high end"}},
    ],
    "misconceptions": [
        {"id": "inv", "pt": ["baixa + criativo"], "revisit": {"pt": "Confira os extremos.", "en": "Check the ends."}}
    ],
}


def test_score_counts_concepts_and_subtracts_misconceptions():
    verdict = rubric.evaluate(SPEC, text.read("Com temperatura alta a distribuição fica plana; baixa fica criativa."))
    assert verdict.concepts == ["b"]
    assert verdict.misconceptions == ["inv"]
    assert verdict.fraction == 0.0
    assert verdict.evidence["inv"] == "baixa … criativa"


def test_feedback_names_the_idea_to_revisit_never_the_rubric_words():
    verdict = rubric.evaluate(SPEC, text.read("Com temperatura alta a distribuição fica plana e espalhada."))
    assert verdict.fraction == 0.5
    assert "o extremo alto" in verdict.feedback["pt"]
    assert "Reveja o cálculo." in verdict.feedback["pt"]
    assert "logit" not in verdict.feedback["pt"] and "dividir" not in verdict.feedback["pt"]


def test_repeated_words_and_bare_terms_score_nothing():
    stuffed = text.read("a atenção e o contexto e o vetor e a atenção e o contexto e o vetor e a atenção e o contexto")
    assert "repetition" in rubric.guard_flags(stuffed)
    bare = text.read("pré-treino próximo token ajuste fino supervisionado instruções RLHF recompensa ranking")
    assert "bare_terms" in rubric.guard_flags(bare)
    # A numbered list of short items is an answer, not a bag of words.
    listed = text.read("1. classificação de e-mails\n2. regressão de preços\n3. geração de imagens")
    assert rubric.guard_flags(listed) == []


def test_words_that_state_a_misconception_do_not_also_credit_a_concept():
    spec = {
        "concepts": [{"id": "low", "pt": ["baixa + previsivel"]}],
        "misconceptions": [{"id": "inv", "pt": ["baixa + criativo"]}],
    }
    answer = "Com temperatura baixa fica criativo, com temperatura alta é previsível."
    inverted = rubric.evaluate(spec, text.read(answer))
    assert inverted.misconceptions == ["inv"] and inverted.concepts == []
    # The same concept stated apart from the misconception still counts.
    both = rubric.evaluate(spec, text.read("Baixa deixa criativo. Mas a temperatura baixa deixa previsível."))
    assert both.misconceptions == ["inv"] and both.concepts == ["low"]
