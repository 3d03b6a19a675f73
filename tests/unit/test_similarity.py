"""grader.similarity: what a renamed, reformatted copy looks like next to independent solutions."""

from __future__ import annotations

import time
from pathlib import Path

from grader import similarity
from grader.similarity import Entry

FOLDER = Path(__file__).resolve().parents[2] / "exercises/chatgpt/softmax-temperature"
SOLUTION = (FOLDER / "solution.py").read_text()
STARTER = (FOLDER / "starter.py").read_text()
INDEPENDENT = {path.stem: path.read_text() for path in sorted((FOLDER / "right").glob("*.py"))}

# The reference solution with every name changed, other comments, a docstring, other
# spacing and line breaks, and single quotes.
DISGUISED_COPY = '''import torch


def softmax(logits: torch.Tensor, temp: float = 1.0, dim: int = -1) -> torch.Tensor:
    """Minha softmax, feita do zero."""
    if temp <= 0:  raise ValueError(
        f'temperature must be positive, got {temp}')
    # divide pela temperatura
    s = logits/temp
    m = s - s.amax(dim = dim,
                   keepdim = True)
    w = m.exp()   # exponencial
    return w / w.sum(dim=dim,
                     keepdim=True)
'''


def entries(sources: dict[str, str]) -> list[Entry]:
    return [Entry(key, author=key, source=source) for key, source in sources.items()]


def pair_scores(result: similarity.Result) -> dict[frozenset, float]:
    return {frozenset((p.a, p.b)): p.score for p in result.pairs}


def test_a_renamed_reformatted_copy_ranks_above_every_independent_solution():
    result = similarity.compare(entries({"original": SOLUTION, "copy": DISGUISED_COPY, **INDEPENDENT}), STARTER)

    assert (result.pairs[0].a, result.pairs[0].b) in {("original", "copy"), ("copy", "original")}
    scores = pair_scores(result)
    copy_score = scores[frozenset(("original", "copy"))]
    assert copy_score > 0.9
    others = [score for key, score in scores.items() if key != frozenset(("original", "copy"))]
    assert max(others) < copy_score / 2


def test_the_matched_regions_cover_the_copied_body_but_not_the_starter_lines():
    result = similarity.compare(entries({"original": SOLUTION, "copy": DISGUISED_COPY}), STARTER)

    (pair,) = result.pairs
    regions = dict(zip((pair.a, pair.b), (pair.regions_a, pair.regions_b), strict=True))
    # solution.py: lines 5-11 are the student's work; 1-4 are the starter's import and signature.
    covered = {line for first, _col, last, _end in regions["original"] for line in range(first, last + 1)}
    code = {n for n in range(5, 12) if not SOLUTION.splitlines()[n - 1].strip().startswith("#")}
    assert code <= covered and len(code) >= 6
    assert not covered & {1, 2, 3}


def test_comments_docstrings_names_and_layout_do_not_change_the_tokens():
    plain = "def f(x):\n    return x.sum(dim=1) + 2.5\n"
    dressed = 'def g( y ) :\n    """Doc."""\n    # note\n    return (y.sum(\n        dim = 1)\n        + 2.50)\n'

    def texts(source):
        return " ".join(t.text for t in similarity.normalize(source))

    assert texts(plain) == "def V ( V ) : return V . sum ( dim = I ) + F ;"
    # The parentheses around the expression are real tokens; everything else matches.
    assert texts(dressed) == "def V ( V ) : return ( V . sum ( dim = I ) + F ) ;"
    # One statement per line or two on one line with `;`, a block on its line or after the colon: the same.
    assert texts("if a:\n    b = 1\nc = 2\n") == texts("if a: b = 1\nc = 2;\n") == "if V : V = I ; V = I ;"


def test_literal_types_are_kept():
    texts = [t.text for t in similarity.normalize("a = 1\nb = 1.0\nc = 'x'\nd = 2j\n")]
    assert [t for t in texts if t not in ("V", "=", ";")] == ["I", "F", "S", "J"]


def test_students_who_only_fill_the_starter_trivially_are_not_similar():
    alice = STARTER.replace("return torch.zeros_like(z)", "return torch.softmax(z / temperature, dim=dim)")
    bob = STARTER.replace("# Substitua esta linha pela sua implementação.\n", "").replace(
        "return torch.zeros_like(z)", "return z.softmax(dim)"
    )
    result = similarity.compare(entries({"alice": alice, "bob": bob}), STARTER)

    assert result.pairs == []
    # Without subtracting the starter they would look alike: the subtraction is what helps.
    unfiltered = similarity.compare(entries({"alice": alice, "bob": bob}), starter="")
    assert unfiltered.pairs and unfiltered.pairs[0].score > 0.5


def test_an_unchanged_starter_is_skipped_with_a_reason():
    result = similarity.compare(entries({"alice": STARTER, "bob": SOLUTION}), STARTER)
    assert result.skipped == {"alice": "nothing beyond the starter code"}
    assert result.compared == 1


def test_two_submissions_of_the_same_student_are_never_paired():
    result = similarity.compare([Entry("1", "alice", SOLUTION), Entry("2", "alice", SOLUTION)], STARTER)
    assert result.pairs == []


def test_empty_and_untokenizable_submissions_are_skipped_with_a_reason():
    sources = {
        "empty": "  \n\n",
        "comments": "# só um comentário\n",
        "open_string": 'x = """never closed\n',
        "bad_indent": "def f():\n        return 1\n    return 2\n",
        "copy": DISGUISED_COPY,
        "original": SOLUTION,
    }
    result = similarity.compare(entries(sources), STARTER)

    assert result.skipped["empty"] == "empty"
    assert result.skipped["comments"] == "only comments"
    assert result.skipped["open_string"].startswith("cannot be tokenized")
    assert result.skipped["bad_indent"].startswith("cannot be tokenized")
    assert [frozenset((p.a, p.b)) for p in result.pairs] == [frozenset(("copy", "original"))]


def test_code_with_a_syntax_error_that_still_tokenizes_is_compared():
    broken = SOLUTION.replace("if temperature <= 0:", "if temperature <= 0")  # missing colon
    result = similarity.compare(entries({"broken": broken, "original": SOLUTION}), STARTER)
    assert result.skipped == {}
    assert result.pairs[0].score > 0.5


def test_a_big_input_runs_in_bounded_time():
    # 64 KiB of varied code, three times over, plus one that is a single deeply nested expression.
    body = "".join(f"def f{i}(x):\n    y = x * {i} + {i}.5\n    return y.sum(dim={i % 3})\n" for i in range(900))
    body = body[: similarity.MAX_BYTES]
    body = body[: body.rfind("\n") + 1]
    nested = "x = " + "(" * 4000 + "1" + ")" * 4000 + "\n"
    sources = {"a": body, "b": body.replace("x", "zz")[: similarity.MAX_BYTES], "c": body[::-1], "d": nested}
    start = time.monotonic()
    result = similarity.compare(entries(sources), STARTER)
    assert time.monotonic() - start < 10
    assert frozenset(("a", "b")) in pair_scores(result)


def test_an_input_over_the_limit_is_skipped():
    result = similarity.compare(entries({"big": "x = 1\n" * 20000, "original": SOLUTION}), STARTER)
    assert result.skipped["big"] == "larger than 64 KiB"


def test_at_most_top_pairs_are_kept_best_first():
    sources = {f"s{i}": SOLUTION + f"\nEXTRA_{i} = {i}\n" * (i % 4) for i in range(12)}
    result = similarity.compare(entries(sources), STARTER, top=5)
    assert len(result.pairs) == 5
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs), reverse=True)


def test_a_region_starts_and_ends_at_the_shared_tokens_not_at_the_line():
    """Token precision: only the shared part of a line is a region, to the column."""
    tail = "x.exp().sum(dim=-1, keepdim=True).clamp(min=1e-9).log().mean()"
    a = f"def f(x):\n    a = [1, 2, 3]\n    total = helper(x) + {tail}\n    return total\n"
    b = f"def g(z):\n    print('hi')\n    out = {tail.replace('x.', 'z.')}\n    return out\n"
    (pair,) = similarity.compare(entries({"a": a, "b": b})).pairs
    regions = dict(zip((pair.a, pair.b), (pair.regions_a, pair.regions_b), strict=True))
    line_a = a.splitlines()[2]
    on_line_3 = [r for r in regions["a"] if r[0] == 3]
    assert on_line_3, regions
    first_line, first_col, last_line, end_col = on_line_3[0]
    # The region begins at the `x` of `x.exp()`, after the unshared `helper(x) + `.
    assert first_col == line_a.index("x.exp") and line_a[first_col:].startswith("x.exp()")
    assert (last_line, end_col) == (3, len(line_a))


def test_regions_leave_out_the_comments_and_indentation_between_shared_lines():
    a = "def f(x):\n    y = x.exp()\n    # a comment of my own\n    return y / y.sum(dim=-1, keepdim=True)\n"
    b = "def g(z):\n    w = z.exp()\n    return w / w.sum(dim=-1, keepdim=True)\n"
    (pair,) = similarity.compare(entries({"a": a, "b": b})).pairs
    regions = dict(zip((pair.a, pair.b), (pair.regions_a, pair.regions_b), strict=True))["a"]
    lines = {r[0] for r in regions}
    assert 3 not in lines and {2, 4} <= lines  # the comment line is not shared
    assert all(r[0] == r[2] for r in regions)  # one span per line
    line_4 = a.splitlines()[3]
    (span_4,) = [r for r in regions if r[0] == 4]
    assert span_4[1] == line_4.index("return")  # from the first token, not the indentation
