"""Draw the lesson figures as SVG, one file per figure and language.

    .venv/bin/python scripts/draw_figures.py           # (re)write platform/static/lessons/*.svg
    .venv/bin/python scripts/draw_figures.py --check   # exit 1 if a committed file differs

Pure Python and deterministic: the same code always writes the same bytes (a test
checks that the committed files are what this script draws). The lesson texts
(`exercises/<lesson>/lesson.<lang>.md`) show them as `![alt](lessons/<name>.<lang>.svg "caption")`.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "platform" / "static" / "lessons"
LANGUAGES = ("pt", "en")

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK = "#1d2330"
MUTED = "#667085"
GRID = "#e3e6ee"
ACCENT = "#3b5bdb"
ACCENT_SOFT = "#e7ecff"
SECOND = "#e8590c"

# The softmax figure: scores a model could give to the next word, at three temperatures.
SOFTMAX_LOGITS = (3.0, 2.0, 1.0, -1.0)
SOFTMAX_TEMPERATURES = (0.2, 1.0, 5.0)


def softmax(logits: Sequence[float], temperature: float) -> list[float]:
    """p_i = exp(z_i / T) / sum_j exp(z_j / T), shifted by the maximum so it never overflows."""
    scaled = [z / temperature for z in logits]
    top = max(scaled)
    weights = [math.exp(s - top) for s in scaled]
    total = sum(weights)
    return [w / total for w in weights]


def c(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never '-0'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(value: float, lang: str, digits: int = 2) -> str:
    """A number as readers of `lang` write it: 0,25 in pt, 0.25 in en, with a real minus sign."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if lang == "pt":
        text = text.replace(".", ",")
    return text.replace("-", "\u2212")


class Svg:
    def __init__(self, width: int, height: int, lang: str, title: str, desc: str):
        self.width, self.height, self.lang = width, height, lang
        self.title, self.desc = title, desc
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1, **extra) -> None:
        self.add(
            f'<line x1="{c(x1)}" y1="{c(y1)}" x2="{c(x2)}" y2="{c(y2)}" stroke="{stroke}" '
            f'stroke-width="{c(width)}"{_attrs(extra)}/>'
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **extra) -> None:
        self.add(f'<rect x="{c(x)}" y="{c(y)}" width="{c(w)}" height="{c(h)}" fill="{fill}"{_attrs(extra)}/>')

    def circle(self, x: float, y: float, r: float, fill: str, stroke: str = INK, width: float = 1.5) -> None:
        self.add(
            f'<circle cx="{c(x)}" cy="{c(y)}" r="{c(r)}" fill="{fill}" stroke="{stroke}" stroke-width="{c(width)}"/>'
        )

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str = ACCENT, width: float = 2.5) -> None:
        coords = " ".join(f"{c(x)},{c(y)}" for x, y in points)
        self.add(
            f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="{c(width)}" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )

    def arrow(self, x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1.5) -> None:
        self.line(x1, y1, x2, y2, stroke, width, marker_end="url(#arrow)")

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float = 14,
        anchor: str = "middle",
        fill: str = INK,
        weight: str | None = None,
        italic: bool = False,
    ) -> None:
        extra = f' font-weight="{weight}"' if weight else ""
        if italic:
            extra += ' font-style="italic"'
        self.add(
            f'<text x="{c(x)}" y="{c(y)}" font-size="{c(size)}" text-anchor="{anchor}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>'
        )

    def render(self) -> str:
        lang = "pt-BR" if self.lang == "pt" else "en"
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" role="img" aria-labelledby="title desc" '
            f'lang="{lang}" font-family={quoteattr(FONT)}>'
        )
        defs = (
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
        )
        body = [
            head,
            f'<title id="title">{escape(self.title)}</title>',
            f'<desc id="desc">{escape(self.desc)}</desc>',
            defs,
            f'<rect width="{self.width}" height="{self.height}" fill="#fff"/>',
            *self.parts,
            "</svg>",
        ]
        return "\n".join(body) + "\n"


def _attrs(extra: dict) -> str:
    return "".join(f" {name.replace('_', '-')}={quoteattr(str(value))}" for name, value in extra.items())


# --- activation functions -------------------------------------------------------------


def _step(z: float) -> float:
    return 1.0 if z >= 0 else 0.0


ACTIVATIONS: list[tuple[str, dict[str, str], Callable[[float], float]]] = [
    ("sigmoid", {"pt": "sigmoide σ(z)", "en": "sigmoid σ(z)"}, lambda z: 1 / (1 + math.exp(-z))),
    ("tanh", {"pt": "tangente hiperbólica tanh(z)", "en": "hyperbolic tangent tanh(z)"}, math.tanh),
    ("relu", {"pt": "ReLU max(0, z)", "en": "ReLU max(0, z)"}, lambda z: max(0.0, z)),
    ("step", {"pt": "degrau θ(z)", "en": "step θ(z)"}, _step),
]


def activations(lang: str) -> str:
    texts = {
        "pt": (
            "Funções de ativação",
            "Quatro gráficos na mesma escala, z de −3 a 3: a sigmoide sobe em S de 0 a 1; a tangente "
            "hiperbólica sobe em S de −1 a 1; a ReLU vale 0 para z negativo e z para z positivo; o degrau "
            "salta de 0 para 1 em z = 0.",
        ),
        "en": (
            "Activation functions",
            "Four plots on the same scale, z from −3 to 3: the sigmoid rises in an S from 0 to 1; the "
            "hyperbolic tangent rises in an S from −1 to 1; ReLU is 0 for negative z and z for positive z; "
            "the step jumps from 0 to 1 at z = 0.",
        ),
    }[lang]
    svg = Svg(640, 470, lang, *texts)
    z_min, z_max, y_min, y_max = -3.0, 3.0, -1.25, 3.0
    panel_w, panel_h = 300, 215
    for index, (name, label, function) in enumerate(ACTIVATIONS):
        left = 20 + (index % 2) * (panel_w + 20)
        top = 15 + (index // 2) * (panel_h + 20)
        x0, x1 = left + 34, left + panel_w - 8
        y0, y1 = top + panel_h - 26, top + 34  # y0: bottom of the plot, y1: its top

        def px(z: float, x0=x0, x1=x1) -> float:
            return x0 + (z - z_min) / (z_max - z_min) * (x1 - x0)

        def py(y: float, y0=y0, y1=y1) -> float:
            return y0 - (y - y_min) / (y_max - y_min) * (y0 - y1)

        svg.add(f'<g data-function="{name}">')
        svg.text(left + panel_w / 2, top + 18, label[lang], size=16, weight="600")
        for tick in (-1, 1, 2, 3):
            svg.line(x0, py(tick), x1, py(tick), GRID)
            svg.text(x0 - 6, py(tick) + 4, number(tick, lang), size=12, anchor="end", fill=MUTED)
        for tick in (-2, -1, 1, 2):
            svg.line(px(tick), y0, px(tick), y1, GRID)
        svg.line(x0, py(0), x1, py(0), MUTED)  # z axis
        svg.line(px(0), y0, px(0), y1, MUTED)  # y axis
        svg.text(x0 - 6, py(0) + 4, "0", size=12, anchor="end", fill=MUTED)
        for tick in (-2, 2):
            svg.text(px(tick), y0 + 17, number(tick, lang), size=12, fill=MUTED)
        svg.text(x1 - 2, py(0) + 17, "z", size=13, anchor="end", fill=MUTED, italic=True)
        if name == "step":
            svg.polyline([(px(z_min), py(0)), (px(0), py(0))])
            svg.polyline([(px(0), py(1)), (px(z_max), py(1))])
            svg.circle(px(0), py(0), 4.5, "#fff", ACCENT, 2)  # θ(0) is not 0...
            svg.circle(px(0), py(1), 4.5, ACCENT, ACCENT, 2)  # ...it is 1
        else:
            samples = 120
            points = []
            for k in range(samples + 1):
                z = z_min + (z_max - z_min) * k / samples
                points.append((px(z), py(function(z))))
            svg.polyline(points)
        svg.add("</g>")
    return svg.render()


# --- softmax at several temperatures ---------------------------------------------------


def softmax_temperature(lang: str) -> str:
    tokens = {"pt": ("telhado", "muro", "sofá", "carro"), "en": ("roof", "wall", "sofa", "car")}[lang]
    texts = {
        "pt": (
            "Softmax dos mesmos logits em três temperaturas",
            "Candidatos para a próxima palavra de “O gato subiu no…”, com logits "
            + ", ".join(f"{t} {number(z, lang)}" for t, z in zip(tokens, SOFTMAX_LOGITS, strict=True))
            + ". Com T = 0,2 quase toda a probabilidade vai para “telhado”; com T = 1 ela se espalha; "
            "com T = 5 as quatro barras ficam parecidas.",
        ),
        "en": (
            "Softmax of the same logits at three temperatures",
            "Candidates for the next word of “The cat climbed onto the…”, with logits "
            + ", ".join(f"{t} {number(z, lang)}" for t, z in zip(tokens, SOFTMAX_LOGITS, strict=True))
            + ". At T = 0.2 almost all the probability goes to “roof”; at T = 1 it spreads out; "
            "at T = 5 the four bars look alike.",
        ),
    }[lang]
    svg = Svg(660, 330, lang, *texts)
    panel_w = 200
    for index, temperature in enumerate(SOFTMAX_TEMPERATURES):
        left = 30 + index * (panel_w + 10)
        x0, x1 = left + 8, left + panel_w - 8
        base, top = 250.0, 70.0  # y of p = 0 and of p = 1
        probabilities = softmax(SOFTMAX_LOGITS, temperature)
        svg.add(f'<g class="panel" data-temperature="{temperature!r}" data-baseline="{c(base)}" data-top="{c(top)}">')
        svg.text((x0 + x1) / 2, 24, f"T = {number(temperature, lang, 1)}", size=18, weight="700")
        for level in (0.5, 1.0):
            svg.line(x0, base - level * (base - top), x1, base - level * (base - top), GRID, stroke_dasharray="4 3")
        if index == 0:
            svg.text(x0 - 4, top + 4, "1", size=11, anchor="end", fill=MUTED)
            svg.text(x0 - 4, (base + top) / 2 + 4, number(0.5, lang), size=11, anchor="end", fill=MUTED)
        slot = (x1 - x0) / len(tokens)
        for k, (token, logit, p) in enumerate(zip(tokens, SOFTMAX_LOGITS, probabilities, strict=True)):
            bar_x = x0 + k * slot + 7
            height = p * (base - top)
            svg.rect(
                bar_x,
                base - height,
                slot - 14,
                height,
                ACCENT if k == 0 else "#748ffc",
                **{"class": "bar"},
                data_logit=repr(logit),
            )
            label = number(p, lang) if p >= 0.005 else "≈" + number(0, lang)
            svg.text(bar_x + (slot - 14) / 2, base - height - 6, label, size=12, fill=INK)
            svg.text(bar_x + (slot - 14) / 2, base + 18, token, size=12.5)
            svg.text(bar_x + (slot - 14) / 2, base + 35, f"z = {number(logit, lang, 1)}", size=11, fill=MUTED)
        svg.line(x0, base, x1, base, INK)
        svg.add("</g>")
    caption = {
        "pt": "probabilidade de cada candidato (altura da barra)",
        "en": "probability of each candidate (bar height)",
    }[lang]
    svg.text(330, 315, caption, size=13, fill=MUTED)
    return svg.render()


# --- ChatGPT's training stages -------------------------------------------------------------


def training_stages(lang: str) -> str:
    stages = {
        "pt": [
            ("Pré-treino", "prever o próximo token em dezenas de terabytes", "de texto da internet e de livros"),
            ("Ajuste fino supervisionado", "imitar respostas escritas por pessoas", "para instruções e perguntas"),
            ("Modelo de recompensa", "pessoas ordenam várias respostas; um modelo", "aprende a dar nota a elas"),
            ("Aprendizado por reforço (PPO)", "o modelo gera respostas e é ajustado para", "receber notas maiores"),
        ],
        "en": [
            ("Pretraining", "predict the next token over tens of terabytes", "of text from the web and books"),
            ("Supervised fine-tuning", "imitate answers that people wrote", "for instructions and questions"),
            ("Reward model", "people rank several answers; a model", "learns to score them"),
            ("Reinforcement learning (PPO)", "the model writes answers and is tuned", "to earn higher scores"),
        ],
    }[lang]
    outcomes = {
        "pt": ["GPT base: continua textos", "segue instruções", "nota para cada resposta", "ChatGPT"],
        "en": ["base GPT: continues text", "follows instructions", "a score for each answer", "ChatGPT"],
    }[lang]
    texts = {
        "pt": (
            "As etapas de treino do ChatGPT",
            "Quatro etapas em sequência: pré-treino, ajuste fino supervisionado, modelo de recompensa treinado "
            "com rankings humanos e aprendizado por reforço com PPO, que produz o ChatGPT.",
        ),
        "en": (
            "ChatGPT's training stages",
            "Four stages in sequence: pretraining, supervised fine-tuning, a reward model trained on human "
            "rankings, and reinforcement learning with PPO, which yields ChatGPT.",
        ),
    }[lang]
    box_h, gap = 74, 44
    svg = Svg(600, 20 + 4 * box_h + 4 * gap + 12, lang, *texts)
    left, width = 70, 500
    for index, (title, line1, line2) in enumerate(stages):
        top = 20 + index * (box_h + gap)
        svg.add(f'<g class="stage" data-stage="{index + 1}">')
        svg.add(
            f'<rect x="{left}" y="{top}" width="{width}" height="{box_h}" rx="10" fill="{ACCENT_SOFT}" '
            f'stroke="{ACCENT}" stroke-width="1.5"/>'
        )
        svg.circle(36, top + box_h / 2, 18, ACCENT, ACCENT)
        svg.text(36, top + box_h / 2 + 6, str(index + 1), size=17, fill="#fff", weight="700")
        svg.text(left + 16, top + 25, title, size=17, anchor="start", weight="700")
        svg.text(left + 16, top + 46, line1, size=14, anchor="start")
        svg.text(left + 16, top + 64, line2, size=14, anchor="start")
        arrow_top = top + box_h
        svg.arrow(left + 40, arrow_top + 2, left + 40, arrow_top + gap - 3)
        last = index == len(stages) - 1
        svg.text(
            left + 54,
            arrow_top + gap / 2 + 5,
            outcomes[index],
            size=14 if not last else 17,
            anchor="start",
            fill=MUTED if not last else INK,
            weight=None if not last else "700",
            italic=not last,
        )
        svg.add("</g>")
    return svg.render()


# --- networks ------------------------------------------------------------------------------


def _subscript(n: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(n))


def mlp(lang: str) -> str:
    sizes = (3, 4, 2)
    names = {
        "pt": ("camada de entrada", "camada oculta", "camada de saída"),
        "en": ("input layer", "hidden layer", "output layer"),
    }[lang]
    texts = {
        "pt": (
            "Um perceptron multicamadas",
            "Três entradas x₁ a x₃ ligadas a todos os quatro neurônios da camada oculta, que por sua vez se "
            "ligam aos dois neurônios de saída ŷ₁ e ŷ₂. Cada linha é um peso.",
        ),
        "en": (
            "A multilayer perceptron",
            "Three inputs x₁ to x₃ connected to all four neurons of the hidden layer, which in turn connect "
            "to the two output neurons ŷ₁ and ŷ₂. Each line is a weight.",
        ),
    }[lang]
    svg = Svg(600, 330, lang, *texts)
    columns = (110, 300, 490)
    spacing, middle = 62, 180

    def ys(n: int) -> list[float]:
        return [middle + (k - (n - 1) / 2) * spacing for k in range(n)]

    for (xa, na), (xb, nb) in zip(
        zip(columns, sizes, strict=True), zip(columns[1:], sizes[1:], strict=True), strict=False
    ):
        for ya in ys(na):
            for yb in ys(nb):
                svg.line(xa + 22, ya, xb - 22, yb, "#adb5bd", 1.2)
    prefixes = ("x", "h", "ŷ")
    fills = ("#fff", ACCENT_SOFT, "#fff4e6")
    strokes = (INK, ACCENT, SECOND)
    for column, (x, n) in enumerate(zip(columns, sizes, strict=True)):
        svg.add(f'<g class="layer" data-neurons="{n}">')
        svg.text(x, 30, names[column], size=15, weight="700")
        for k, y in enumerate(ys(n)):
            svg.circle(x, y, 22, fills[column], strokes[column], 2)
            svg.text(x, y + 6, f"{prefixes[column]}{_subscript(k + 1)}", size=17, italic=True)
        svg.add("</g>")
    weights = {"pt": "cada linha: um peso w", "en": "each line: one weight w"}[lang]
    svg.text(300, 318, weights, size=13, fill=MUTED)
    return svg.render()


def perceptron(lang: str) -> str:
    labels = {
        "pt": ("entradas", "pesos", "soma ponderada", "ativação", "saída"),
        "en": ("inputs", "weights", "weighted sum", "activation", "output"),
    }[lang]
    texts = {
        "pt": (
            "O perceptron",
            "Três entradas x₁, x₂, x₃ são multiplicadas pelos pesos w₁, w₂, w₃ e somadas com o viés b; a "
            "soma z passa pela função degrau θ, que dá a saída f(x), 0 ou 1.",
        ),
        "en": (
            "The perceptron",
            "Three inputs x₁, x₂, x₃ are multiplied by the weights w₁, w₂, w₃ and added to the bias b; the "
            "sum z goes through the step function θ, which gives the output f(x), 0 or 1.",
        ),
    }[lang]
    svg = Svg(600, 260, lang, *texts)
    sum_x, sum_y = 290, 135
    for k, y in enumerate((65, 135, 205)):
        svg.arrow(86, y, sum_x - 34, sum_y + (y - sum_y) * 0.35)  # towards the edge of the Σ node
        svg.circle(64, y, 21, "#fff", INK, 2)
        svg.text(64, y + 6, f"x{_subscript(k + 1)}", size=17, italic=True)
        end_y = sum_y + (y - sum_y) * 0.35
        on_line = y + (end_y - y) * (175 - 86) / (sum_x - 34 - 86)
        svg.text(175, on_line - 9, f"w{_subscript(k + 1)}", size=15, italic=True, fill=ACCENT)
    svg.circle(sum_x, sum_y, 32, ACCENT_SOFT, ACCENT, 2)
    svg.text(sum_x, sum_y + 7, "Σ", size=24)
    svg.text(sum_x, sum_y - 44, "+ b", size=15, italic=True)
    svg.arrow(sum_x + 34, sum_y, 392, sum_y)
    svg.text(357, sum_y - 8, "z", size=15, italic=True)
    svg.rect(396, sum_y - 30, 72, 60, "#fff4e6", rx=8, stroke=SECOND, stroke_width=2)
    svg.polyline([(406, sum_y + 16), (432, sum_y + 16), (432, sum_y - 16), (458, sum_y - 16)], SECOND, 2.5)
    svg.arrow(470, sum_y, 530, sum_y)
    svg.text(562, sum_y + 6, "f(x)", size=17, italic=True)
    for x, text in zip((64, 175, 290, 432, 562), labels, strict=True):
        svg.text(x, 246 if x != 175 else 24, text, size=13.5, fill=MUTED)
    return svg.render()


FIGURES: dict[str, Callable[[str], str]] = {
    "activations": activations,
    "softmax-temperature": softmax_temperature,
    "chatgpt-training": training_stages,
    "mlp": mlp,
    "perceptron": perceptron,
}


def drawings() -> dict[str, str]:
    """File name → SVG text, for every figure in every language."""
    return {f"{name}.{lang}.svg": draw(lang) for name, draw in FIGURES.items() for lang in LANGUAGES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for name, text in drawings().items():
        path = OUT_DIR / name
        data = text.encode("utf-8")
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run scripts/draw_figures.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
