"""The lesson figures: drawn by scripts/draw_figures.py, committed, and never drifting from it."""

import importlib.util
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location("draw_figures", ROOT / "scripts" / "draw_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_svgs_are_exactly_what_the_script_draws(figures):
    drawn = figures.drawings()
    committed = {path.name for path in figures.OUT_DIR.glob("*.svg")}
    assert committed == set(drawn), "run scripts/draw_figures.py and commit platform/static/lessons/"
    for name, text in drawn.items():
        assert (figures.OUT_DIR / name).read_bytes() == text.encode("utf-8"), f"{name} drifted from the script"
    assert figures.main(["--check"]) == 0


def test_drawing_is_deterministic(figures):
    assert figures.drawings() == figures.drawings()


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_every_figure_is_valid_svg_with_a_title_in_its_language(figures, lang):
    for name in figures.FIGURES:
        root = ET.parse(figures.OUT_DIR / f"{name}.{lang}.svg").getroot()
        assert root.tag == f"{SVG}svg"
        assert root.get("lang") == ("pt-BR" if lang == "pt" else "en")
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text


def _softmax(logits, temperature):
    weights = [math.exp(z / temperature) for z in logits]
    return [w / sum(weights) for w in weights]


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_softmax_bars_are_the_softmax_of_their_logits_at_each_temperature(figures, lang):
    root = ET.parse(figures.OUT_DIR / f"softmax-temperature.{lang}.svg").getroot()
    panels = root.findall(f".//{SVG}g[@class='panel']")
    assert sorted(float(panel.get("data-temperature")) for panel in panels) == [0.2, 1.0, 5.0]
    for panel in panels:
        temperature = float(panel.get("data-temperature"))
        baseline, top = float(panel.get("data-baseline")), float(panel.get("data-top"))
        children = list(panel)
        bars = [(i, el) for i, el in enumerate(children) if el.tag == f"{SVG}rect" and el.get("class") == "bar"]
        logits = [float(bar.get("data-logit")) for _, bar in bars]
        assert logits == [3.0, 2.0, 1.0, -1.0]
        for (index, bar), expected in zip(bars, _softmax(logits, temperature), strict=True):
            height = float(bar.get("height"))
            assert float(bar.get("y")) + height == pytest.approx(baseline, abs=0.01)  # standing on the axis
            assert height / (baseline - top) == pytest.approx(expected, abs=1e-3)
            label = children[index + 1].text  # the value printed above the bar
            shown = f"{expected:.2f}".rstrip("0").rstrip(".") if expected >= 0.005 else "≈0"
            assert label == (shown.replace(".", ",") if lang == "pt" else shown)
        assert sum(float(bar.get("height")) for _, bar in bars) == pytest.approx(baseline - top, abs=0.05)


def test_the_step_function_is_one_at_zero(figures):
    step = dict((name, function) for name, _, function in figures.ACTIVATIONS)["step"]
    assert step(0.0) == 1 and step(-1e-9) == 0
