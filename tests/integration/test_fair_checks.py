"""Checks that do not depend on luck: what is right passes and what is wrong fails on every seed."""

import pytest

from grader import content, engine
from tests.conftest import EXERCISES

pytestmark = pytest.mark.usefixtures("sandbox_ready")

SEEDS = range(1, 9)


def _scores(exercise, source):
    return {engine.grade(exercise, source, seed=seed)["score"] for seed in SEEDS}


def test_an_argmax_shortcut_for_a_tiny_temperature_passes_the_greedy_check_on_every_seed():
    exercise = content.find_exercise("sample-next-token", EXERCISES)
    source = (exercise.path / "solution.py").read_text()
    shortcut = source.replace(
        "    generator = torch.Generator().manual_seed(seed)\n",
        "    generator = torch.Generator().manual_seed(seed)\n"
        "    if temperature < 0.05:\n"
        "        return torch.full((num_samples,), int(torch.argmax(logits)), dtype=torch.int64)\n",
    )
    assert shortcut != source
    assert _scores(exercise, shortcut) == {exercise.max_score}


def test_averaging_over_the_examples_only_fails_backprop_on_every_seed():
    exercise = content.find_exercise("backprop-by-hand", EXERCISES)
    source = (exercise.path / "wrong" / "divides_by_n_not_nk.py").read_text()
    assert _scores(exercise, source) == {2.0}


def test_every_greedy_case_has_a_clear_top_token():
    # Near a tie, T = 0.01 still splits the draws and a correct argmax shortcut failed on ~2% of seeds.
    import random

    import torch

    checks = content.find_exercise("sample-next-token", EXERCISES).load_checks()
    for seed in range(300):
        (greedy,) = [case for case in checks.make_cases(random.Random(seed)) if case["check"] == "greedy"]
        top, second = torch.topk(greedy["args"][0], 2).values.tolist()
        assert top - second >= 0.1 - 1e-5  # float32 logits


def test_the_seeded_check_cannot_fail_a_correct_solution_by_luck():
    # Two different seeds give identical draws with probability sum(p²) ** draws: below 1e-50 on every seed.
    import random

    import torch

    checks = content.find_exercise("sample-next-token", EXERCISES).load_checks()
    for seed in range(300):
        first, same, other = [case for case in checks.make_cases(random.Random(seed)) if case["check"] == "seeded"]
        assert first["kwargs"]["seed"] == same["kwargs"]["seed"] != other["kwargs"]["seed"]
        probs = torch.softmax(first["args"][0].double(), dim=0)
        assert float((probs**2).sum()) ** first["kwargs"]["num_samples"] < 1e-50


def test_every_grading_shows_a_diverging_run_still_finite_at_inf_and_at_nan():
    # misses_nan got full marks on 6 of 50 seeds when step 100 of the one diverging run landed on inf.
    import math
    import random

    checks = content.find_exercise("learning-rate", EXERCISES).load_checks()
    for seed in range(300):
        runs = [case["args"][0] for case in checks.make_cases(random.Random(seed)) if case["check"] == "diverges"]
        last = [float(losses[-1]) for losses in runs]
        assert math.isfinite(last[0]) and last[0] > float(runs[0][0])
        assert math.isinf(last[1]) and math.isnan(last[2])


def test_the_perceptron_rule_case_always_moves_the_bias():
    # When the errors cancelled, a rule that never updates b could return the reference's answer.
    import random

    perceptron = content.find_exercise("perceptron-rule", EXERCISES)
    checks, reference = perceptron.load_checks(), perceptron.load_solution()
    for seed in range(300):
        (rule,) = [case for case in checks.make_cases(random.Random(seed)) if case["check"] == "rule"]
        assert abs(float(reference.train_perceptron(*rule["args"], **rule["kwargs"])[-1])) > 1e-3


def test_every_sales_case_has_a_negative_logit():
    # Without one, a linear output (no activation) equals ReLU and passes on some seeds.
    import random

    checks = content.find_exercise("output-heads", EXERCISES).load_checks()
    for seed in range(300):
        (sales, *_) = [case for case in checks.make_cases(random.Random(seed)) if case["call"] == "sales_output"]
        assert float(sales["args"][0].min()) < 0
