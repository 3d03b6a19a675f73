"""Similarity between students' submissions to one coding exercise (MOSS-style), without Django.

The source is only tokenized, never parsed into an AST, imported or run, so this is safe on
the site's side of the trust boundary and linear in the size of the input.

1. `normalize` turns code into tokens that survive cosmetic edits: comments, docstrings,
   line breaks inside brackets and indentation are dropped, a statement's end (a newline or
   `;`) is one `;`; names the student chose become `V`; literals
   become their type (`I`, `F`, `J`, `S`). Kept as written: keywords, operators, builtins
   (`len`, `max`, `ValueError`), attribute names (`.amax`, `.exp`) and keyword-argument
   names in calls (`keepdim=`). Those are the library's API: a student cannot rename them
   without changing what the code does, and they are what tells one approach from another.
2. Every run of `K` tokens (a k-gram) is hashed; winnowing keeps the smallest hash of each
   window of `WINDOW` consecutive k-grams, so any match of `K + WINDOW - 1` tokens or more
   is guaranteed to be seen.
3. k-grams that occur in the exercise's starter code are removed from both sides: filling
   the same template is not similarity. The reference solution is not removed, since
   correct solutions legitimately converge.
4. The score of a pair is the Jaccard index of their fingerprint sets; the matched regions
   are the runs of tokens covered by shared k-grams in each submission, each as
   `(first line, first column, last line, end column)` (lines from 1, columns from 0, the
   end column past the last character), so a page can mark the shared code itself.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import itertools
import keyword
import token
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

K = 5
WINDOW = 4
TOP = 50
MAX_BYTES = 64 * 1024

_DROPPED = {
    token.COMMENT,
    token.NL,
    token.NEWLINE,
    token.INDENT,
    token.DEDENT,
    token.ENCODING,
    token.ENDMARKER,
}
_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))


class SkipSubmission(Exception):
    """A submission that cannot be compared; the message says why (shown to staff)."""


@dataclass(frozen=True)
class Token:
    text: str
    first_line: int
    last_line: int
    first_col: int = 0
    end_col: int = 0  # past the token's last character, on last_line


@dataclass(frozen=True)
class Entry:
    """One submission to compare: `key` identifies it, `author` is whose it is (never paired with itself)."""

    key: str
    author: str
    source: str


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float
    regions_a: list[tuple[int, int, int, int]]
    regions_b: list[tuple[int, int, int, int]]

    def as_dict(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "score": self.score,
            "regions_a": [list(r) for r in self.regions_a],
            "regions_b": [list(r) for r in self.regions_b],
        }


@dataclass
class Result:
    pairs: list[Pair] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # key -> reason
    compared: int = 0


def _literal(tok: tokenize.TokenInfo) -> str:
    if tok.type == token.STRING:
        return "S"
    text = tok.string.lower()
    if text.endswith("j"):
        return "J"
    if "." in text or ("e" in text and not text.startswith("0x")):
        return "F"
    return "I"


def normalize(source: str) -> list[Token]:
    """The tokens of `source` that matter for similarity; raises SkipSubmission if it cannot be read."""
    if not source.strip():
        raise SkipSubmission("empty")
    if len(source.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise SkipSubmission(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        lines = io.StringIO(source).readline
        raw = [t for t in tokenize.generate_tokens(lines) if t.type not in (token.NL, token.COMMENT)]
    except (tokenize.TokenError, SyntaxError) as exc:  # IndentationError is a SyntaxError
        message = exc.args[0] if exc.args else type(exc).__name__
        raise SkipSubmission(f"cannot be tokenized: {message}") from None

    out: list[Token] = []
    depth = 0  # bracket depth
    def_params_depth: int | None = None  # depth inside a `def name(` parameter list
    statement_start = True
    for index, tok in enumerate(raw):
        kind, text = tok.type, tok.string
        if kind == token.STRING and statement_start:
            # A statement that is only a string (docstrings included) does nothing: a comment.
            after = index
            while after < len(raw) and raw[after].type == token.STRING:
                after += 1
            if after == len(raw) or raw[after].type in (token.NEWLINE, token.ENDMARKER, token.DEDENT):
                continue
        statement_start = kind in (token.NEWLINE, token.INDENT, token.DEDENT) or (kind == token.OP and text == ";")
        if kind == token.NEWLINE or (kind == token.OP and text == ";"):
            # The end of a statement (however written) is kept, so that a match cannot be two
            # statements' halves that happen to line up; consecutive ends count once, and none
            # follows a block's `:` (`if x: y` on one line is the same code as on two).
            if out and out[-1].text not in (";", ":"):
                out.append(Token(";", tok.start[0], tok.start[0], tok.start[1], tok.start[1]))
            continue
        if kind in _DROPPED:
            continue
        previous = out[-1].text if out else ""
        if kind == token.NAME:
            following = raw[index + 1] if index + 1 < len(raw) else None
            is_kwarg = (
                depth > 0
                and def_params_depth is None
                and following is not None
                and following.string == "="
                and previous in ("(", ",")
            )
            normalized = text if text in _KEPT_NAMES or previous == "." or is_kwarg else "V"
        elif kind in (token.NUMBER, token.STRING):
            normalized = _literal(tok)
        elif kind == token.OP:
            normalized = text
            if text in "([{":
                depth += 1
                if text == "(" and len(out) >= 2 and out[-2].text == "def" and def_params_depth is None:
                    def_params_depth = depth
            elif text in ")]}":
                if def_params_depth == depth:
                    def_params_depth = None
                depth = max(0, depth - 1)
        else:  # ERRORTOKEN and the like: kept, so broken code still compares with itself
            normalized = text.strip() or "?"
        out.append(Token(normalized, tok.start[0], tok.end[0], tok.start[1], tok.end[1]))
    if not out:
        raise SkipSubmission("only comments")
    return out


def _hash(texts: Iterable[str]) -> int:
    # Stable across processes (unlike hash()), so runs are reproducible.
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest(), "big")


def kgrams(tokens: Sequence[Token], k: int = K) -> list[tuple[int, int]]:
    """(hash, index of the first token) of every run of k tokens."""
    return [(_hash(t.text for t in tokens[i : i + k]), i) for i in range(len(tokens) - k + 1)]


def winnow(hashes: Sequence[int], window: int = WINDOW) -> set[int]:
    """The fingerprints: the smallest hash of every window of `window` consecutive hashes."""
    if len(hashes) <= window:
        return set(hashes)
    return {min(hashes[i : i + window]) for i in range(len(hashes) - window + 1)}


@dataclass
class _Doc:
    entry: Entry
    tokens: list[Token]
    grams: list[tuple[int, int]]
    all_hashes: set[int]
    fingerprints: set[int]


def _regions(
    tokens: Sequence[Token], grams: Sequence[tuple[int, int]], shared: set[int], k: int
) -> list[tuple[int, int, int, int]]:
    """The tokens that shared k-grams cover, as (first line, first column, last line, end column),
    one span per line (a token over several lines, as a long string, is one span): the comments,
    blank lines and indentation between them are not part of what was shared."""
    covered = sorted({i for h, start in grams if h in shared for i in range(start, start + k)})
    spans: list[list[int]] = []
    previous = -2
    for i in covered:
        t = tokens[i]
        end = max(t.end_col, t.first_col)
        last = spans[-1] if spans else None
        if last is not None and i == previous + 1 and t.first_line == last[2] == t.last_line:
            last[3] = max(last[3], end)
        else:
            spans.append([t.first_line, t.first_col, t.last_line, end])
        previous = i
    return [tuple(span) for span in spans]


def starter_hashes(starter: str, k: int = K) -> set[int]:
    try:
        return {h for h, _ in kgrams(normalize(starter), k)}
    except SkipSubmission:
        return set()


def compare(entries: Sequence[Entry], starter: str = "", top: int = TOP, k: int = K, window: int = WINDOW) -> Result:
    """The `top` most similar pairs of entries by different authors, best first."""
    result = Result()
    boiler = starter_hashes(starter, k)
    docs: list[_Doc] = []
    for entry in entries:
        try:
            tokens = normalize(entry.source)
        except SkipSubmission as exc:
            result.skipped[entry.key] = str(exc)
            continue
        grams = [g for g in kgrams(tokens, k) if g[0] not in boiler]
        if not grams:
            result.skipped[entry.key] = "nothing beyond the starter code"
            continue
        fingerprints = winnow([g[0] for g in grams], window)
        docs.append(_Doc(entry, tokens, grams, {g[0] for g in grams}, fingerprints))
    result.compared = len(docs)

    scored: list[tuple[float, int, int]] = []
    for i, j in itertools.combinations(range(len(docs)), 2):
        a, b = docs[i], docs[j]
        if a.entry.author == b.entry.author:
            continue
        common = len(a.fingerprints & b.fingerprints)
        if common:
            scored.append((common / len(a.fingerprints | b.fingerprints), i, j))
    scored.sort(key=lambda s: (-s[0], docs[s[1]].entry.key, docs[s[2]].entry.key))
    for score, i, j in scored[:top]:
        a, b = docs[i], docs[j]
        shared = a.all_hashes & b.all_hashes
        result.pairs.append(
            Pair(
                a.entry.key,
                b.entry.key,
                round(score, 4),
                _regions(a.tokens, a.grams, shared, k),
                _regions(b.tokens, b.grams, shared, k),
            )
        )
    return result
