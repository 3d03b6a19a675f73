"""The rubric engine: free-text answers read as sentences, the way a teacher reads them.

A rubric lists concepts (ideas the answer should state) and misconceptions
(wrong ideas students really hold). Each is written, per language, as a few
alternative patterns in a small language over words, not characters:

    "dividir logit"                      words in this order, a few words apart at most
    "alta|elevada|subir"                 any one of these words
    "ajuste_fino|finetuning"             an alternative of several words, in a row
    "pretrein*"                          a word that starts so (use sparingly)
    "temperatura alta + plana|uniforme"  both parts, in either order, inside one clause

Words match by stem (plurals, genders and verb forms meet), with accents
optional and one typo forgiven in words of seven letters or more. A part is
cancelled when a negation ("não", "nem", "sem", "nunca", "not", "without", ...)
stands just before it in its clause, unless the pattern itself spells that
negation. A matched misconception costs its penalty and is named to the
instructor. The score is provisional: instructors review it, and the result's
details keep what they need (concepts found with the words that matched,
misconceptions, flags, this engine's version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Any

from grader.quiz import text as textmod

ENGINE = "rubric-1"
DEFAULT_GAP = 3  # other words allowed between two words of a part
NEGATION_WINDOW = 4  # words before a part in which a negation cancels it
NOT_AFTER_WINDOW = 6  # words before a part in which its "!" words cancel it


@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]  # folded; a trailing "*" marks a prefix


@dataclass(frozen=True)
class Term:
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Part:
    terms: tuple[Term, ...]
    not_after: Term | None = None  # "!a|b word": the part does not count right after a or b


@dataclass(frozen=True)
class Pattern:
    source: str
    lang: str
    parts: tuple[Part, ...]


class PatternError(ValueError):
    pass


# Characters of regular expressions, which this language is not: an author who writes one
# expects it to mean something, so it is refused rather than silently dropped.
_NOT_RUBRIC = re.compile(r"[()\[\]{}\\^$?.]")


@lru_cache(maxsize=4096)
def compile_pattern(source: str, lang: str) -> Pattern:
    """Parse one pattern; raises PatternError with a reason an author can act on."""
    if lang not in textmod.LANGUAGES:
        raise PatternError(f"unknown language {lang!r}")
    stray = _NOT_RUBRIC.search(source)
    if stray:
        raise PatternError(f"{stray.group(0)!r} is not part of the rubric language (it is not a regular expression)")
    parts = []
    for raw_part in source.split(" + "):
        terms = []
        not_after = None
        for position, raw_term in enumerate(raw_part.split()):
            excluded = raw_term.startswith("!")
            if excluded:
                if position > 0:
                    raise PatternError(f"'!' goes on the first word of a part only: {raw_part!r}")
                raw_term = raw_term[1:]
            alternatives = []
            for raw_alt in raw_term.split("|"):
                prefix = raw_alt.endswith("*")
                folded = textmod.words(raw_alt.rstrip("*").replace("_", " "))
                if not folded:
                    raise PatternError(f"empty alternative in {raw_term!r}")
                if prefix:
                    if len(folded[-1]) < 4:
                        raise PatternError(f"a prefix needs at least 4 letters: {raw_alt!r}")
                    folded[-1] += "*"
                alternatives.append(Alternative(tuple(folded)))
            if excluded:
                not_after = Term(tuple(alternatives))
            else:
                terms.append(Term(tuple(alternatives)))
        if not terms:
            raise PatternError(f"empty part in {source!r} (parts are joined by ' + ')")
        parts.append(Part(tuple(terms), not_after))
    return Pattern(source, lang, tuple(parts))


def _word_matches(token: textmod.Token, word: str, lang: str) -> bool:
    if word.endswith("*"):
        return token.folded.startswith(word[:-1])
    if token.folded == word:
        return True
    if token.stems(lang) & textmod.stems(word, lang):
        return True
    return textmod.close(token.folded, word)


def _alternative_at(clause: list[textmod.Token], start: int, alt: Alternative, lang: str) -> int | None:
    """End (exclusive) of `alt` matched from clause[start], or None."""
    end = start + len(alt.words)
    if end > len(clause):
        return None
    for offset, word in enumerate(alt.words):
        if not _word_matches(clause[start + offset], word, lang):
            return None
    return end


def _term_at(clause, start, term: Term, lang) -> int | None:
    found = _alternative_matched(clause, start, term, lang)
    return None if found is None else found[0]


def _alternative_matched(clause, start, term: Term, lang) -> tuple[int, Alternative] | None:
    for alt in term.alternatives:
        end = _alternative_at(clause, start, alt, lang)
        if end is not None:
            return end, alt
    return None


def _spells_negation(alt: Alternative) -> bool:
    return any(word in textmod.ALL_NEGATORS for word in alt.words)


def _part_spans(clause: list[textmod.Token], part: Part, lang: str, gap: int) -> list[tuple[int, int, frozenset, bool]]:
    """Every match of a part in a clause: (start, end, indices of the words it used, whether
    the alternatives it used spell a negation themselves, as "nao_caberia" or "menos_criativo")."""
    spans = []
    for start in range(len(clause)):
        first = _alternative_matched(clause, start, part.terms[0], lang)
        if first is None:
            continue
        end, alt = first
        matched = set(range(start, end))
        spells = _spells_negation(alt)
        for term in part.terms[1:]:
            for candidate in range(end, min(end + gap + 1, len(clause))):
                found = _alternative_matched(clause, candidate, term, lang)
                if found is not None:
                    matched |= set(range(candidate, found[0]))
                    end, spells = found[0], spells or _spells_negation(found[1])
                    break
            else:
                end = -1
                break
        if end >= 0 and not _follows(clause, start, part.not_after, lang):
            spans.append((start, end, frozenset(matched), spells))
    return spans


def _follows(clause, start: int, term: Term | None, lang: str) -> bool:
    """Whether `term` occurs in the few words before clause[start] ("criar imagens" is no image task)."""
    if term is None:
        return False
    return any(_term_at(clause, i, term, lang) is not None for i in range(max(0, start - NOT_AFTER_WINDOW), start))


_COORDINATORS = {"e", "ou", "nem", "and", "or", "nor"}


def _negated(clause, pattern: Pattern, chosen) -> bool:
    """A negation just before a part, or inside it, that the pattern does not spell itself."""
    used = frozenset().union(*(matched for _, _, matched, _ in chosen))
    for start, end, _, spells in chosen:
        if spells:
            continue
        # "não lida com imagem ou texto": the negation reaches every item of a coordination.
        while start >= 2 and clause[start - 1].folded in _COORDINATORS:
            start -= 2
        window = range(max(0, start - NEGATION_WINDOW), end)
        if any(clause[i].negates(pattern.lang) for i in window if i not in used):
            return True
    return False


def _placed(clause: list[textmod.Token], chosen: tuple[tuple[int, int], ...]) -> bool:
    """Parts of a relation sit in one comma segment, or run in the pattern's order into the next one.

    "Com temperatura alta, a saída fica variada" relates the two; in "deixa tudo
    aleatório, alta deixa previsível" the word after the comma starts a new thought.
    """
    segments = [clause[start].segment for start, _, _, _ in chosen]
    if len(set(segments)) == 1:
        return True
    return (
        all(b - a in (0, 1) for a, b in zip(segments, segments[1:], strict=False)) and segments[-1] - segments[0] <= 1
    )


def find(pattern: Pattern, answer: textmod.Text, gap: int = DEFAULT_GAP) -> str | None:
    """The words (as folded) that satisfy the pattern inside one clause, or None."""
    hit = locate(pattern, answer, gap)
    return None if hit is None else hit[0]


def locate(
    pattern: Pattern, answer: textmod.Text, gap: int = DEFAULT_GAP, avoid: frozenset[int] = frozenset()
) -> tuple[str, frozenset[int]] | None:
    """The words that satisfy the pattern inside one clause and their places in the answer,
    using none of the places in `avoid`; or None."""
    for clause in answer.clauses:
        candidates = [_part_spans(clause, part, pattern.lang, gap) for part in pattern.parts]
        if not all(candidates):
            continue
        for chosen in product(*candidates):
            places = frozenset(clause[i].index for _, _, used, _ in chosen for i in used)
            if places & avoid or not _placed(clause, chosen) or _negated(clause, pattern, chosen):
                continue
            return " … ".join(" ".join(t.folded for t in clause[a:b]) for a, b, _, _ in sorted(chosen)), places
    return None


# --- guards ---------------------------------------------------------------------

_GLUE = set(
    textmod.words(
        "que de do da dos das e é o a os as um uma para por com em no na nos nas se ser são porque isso "
        "isto ela ele eles elas como mais muito ou ao aos à às pelo pela quando qual seu sua the is are "
        "a an of to that and it in on for by with be because which this so as its their more or when"
    )
)


_NOT_CONTENT = _GLUE | textmod.ALL_NEGATORS


def guard_flags(answer: textmod.Text) -> list[str]:
    """Signs that an answer is not an explanation: one idea repeated, or bare terms with no sentence."""
    content = [t.folded for t in answer.tokens if t.folded not in _NOT_CONTENT and len(t.folded) > 2]
    flags = []
    if len(content) >= 8 and len(set(content)) / len(content) < 0.55:
        flags.append("repetition")
    glue = sum(t.folded in _GLUE for t in answer.tokens)
    enumerated = answer.list_items >= 2 or answer.raw.count(",") + answer.raw.count(";") >= 2
    if len(answer.tokens) >= 8 and glue / len(answer.tokens) < 0.08 and not enumerated:
        flags.append("bare_terms")
    return flags


# --- grading --------------------------------------------------------------------


@dataclass
class Verdict:
    fraction: float
    concepts: list[str]
    misconceptions: list[str]
    evidence: dict[str, str]
    flags: list[str]
    feedback: dict[str, str]


def compiled(entry: dict) -> list[Pattern]:
    return [compile_pattern(source, lang) for lang in textmod.LANGUAGES for source in entry.get(lang, [])]


def _first_match(
    entry: dict, answer: textmod.Text, gap: int, lang: str | None, avoid: frozenset[int] = frozenset()
) -> tuple[str, frozenset[int]] | None:
    for pattern in compiled(entry):
        if lang is not None and pattern.lang != lang:
            continue
        hit = locate(pattern, answer, entry.get("gap", gap), avoid)
        if hit is not None:
            return hit
    return None


def evaluate(spec: dict, answer: textmod.Text) -> Verdict:
    """Score one answer against the rubric in `spec` (concepts, misconceptions)."""
    gap = spec.get("gap", DEFAULT_GAP)
    # An answer clearly in one language is read with that language's patterns only (an English
    # "images" is no Portuguese "imagens" that the Portuguese exclusions would have to know).
    lang = textmod.language(answer)
    concepts = spec["concepts"]
    evidence: dict[str, str] = {}
    found, wrong = [], []
    # Misconceptions first: words that state a wrong idea cannot also credit a right one
    # ("baixa deixa criativo, alta deixa previsível" is no "low: predictable").
    stated: frozenset[int] = frozenset()
    for misconception in spec.get("misconceptions", []):
        hit = _first_match(misconception, answer, gap, lang)
        if hit is not None:
            wrong.append(misconception)
            evidence[misconception["id"]] = hit[0]
            stated |= hit[1]
    for concept in concepts:
        hit = _first_match(concept, answer, gap, lang, stated)
        if hit is not None:
            found.append(concept)
            evidence[concept["id"]] = hit[0]
    flags = guard_flags(answer)
    total = sum(c.get("weight", 1) for c in concepts)
    raw = sum(c.get("weight", 1) for c in found) - sum(m.get("penalty", 1) for m in wrong)
    fraction = 0.0 if flags else max(0.0, min(1.0, raw / total))
    return Verdict(
        fraction=fraction,
        concepts=[c["id"] for c in found],
        misconceptions=[m["id"] for m in wrong],
        evidence=evidence,
        flags=flags,
        feedback=_feedback(concepts, found, wrong, flags),
    )


def _feedback(concepts: list[dict], found: list[dict], wrong: list[dict], flags: list[str]) -> dict[str, str]:
    """What the student reads: what went right and which idea to revisit, never the rubric's words."""
    if "repetition" in flags:
        return {
            "pt": "Sua resposta repete as mesmas palavras. Explique com frases completas o que cada ideia quer dizer.",
            "en": "Your answer repeats the same words. Explain in full sentences what each idea means.",
        }
    if "bare_terms" in flags:
        return {
            "pt": "Sua resposta parece uma lista de termos soltos. Explique com frases como eles se relacionam.",
            "en": "Your answer reads like a list of loose terms. Explain in sentences how they relate.",
        }
    out = {}
    for lang in textmod.LANGUAGES:
        lines = []
        praised = [c["praise"][lang] for c in found if isinstance(c.get("praise"), dict)]
        if praised:
            lines.append(("Você acertou: " if lang == "pt" else "You got right: ") + "; ".join(praised) + ".")
        elif found and len(found) == len(concepts):
            lines.append("Você tocou em todas as ideias esperadas." if lang == "pt" else "You covered every idea.")
        for misconception in wrong:
            if isinstance(misconception.get("revisit"), dict):
                lines.append(misconception["revisit"][lang])
        missing = [c for c in concepts if c not in found]
        revisit = [c["revisit"][lang] for c in missing if isinstance(c.get("revisit"), dict)]
        if revisit:
            lines.append(("Para revisar: " if lang == "pt" else "To revisit: ") + " ".join(revisit))
        elif missing:
            lines.append(
                "Ainda falta uma parte da ideia: releia a seção da lição sobre o tema."
                if lang == "pt"
                else "Part of the idea is still missing: reread the lesson's section on it."
            )
        out[lang] = "\n".join(lines)
    return out


def details(verdict: Verdict, words: int) -> dict[str, Any]:
    """What the instructor's review needs, stored with the answer."""
    return {
        "provisional": True,
        "engine": ENGINE,
        "words": words,
        "concepts": verdict.concepts,
        "misconceptions": verdict.misconceptions,
        "evidence": verdict.evidence,
        "flags": verdict.flags,
    }
