"""Reading what students type: tokens, sentences, clauses and comparable word forms.

Rubrics and answer keys compare words, never raw substrings: "gera" must not be
found inside "em geral", nor "text" inside "contexto". Each token keeps its
place in its sentence and clause, its folded form (case and accents removed)
and a set of stems, one per plausible singular (Snowball's Portuguese stemmer
leaves "altas", "tokens" or "imagens" apart from "alta", "token", "imagem").

Why Snowball (the `snowballstemmer` package) rather than a lemmatizer: the same
function runs over the rubric and over the answer, so what matters is that
inflections of one word meet, which a rule-based stemmer does for any word,
including the course's loanwords (logits, embedding, softmax) that no
Portuguese dictionary knows; it is pure Python, small and deterministic. One
typo in a long word is forgiven with rapidfuzz's optimal-string-alignment
distance (two swapped letters count as one typo).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import snowballstemmer
from rapidfuzz.distance import OSA

LANGUAGES = ("pt", "en")

_STEMMERS = {"pt": snowballstemmer.stemmer("portuguese"), "en": snowballstemmer.stemmer("english")}

# A word: letters and digits, inner apostrophes kept ("don't"), hyphens split later.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Sentence ends: . ! ? ; : and line breaks, but not the point or comma inside a number.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?;](?!\d)|[.!?;](?=\s|$)|\n+")
# A list item at the start of a line: "1.", "2)", "a)", "-", "*", "•".
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)º°]|[a-z]\)|[-*•·–—])\s+", re.MULTILINE | re.IGNORECASE)

# Words that open a new clause; a relation between two ideas must sit inside one clause,
# so "baixa deixa criativo, e alta deixa previsível" is two clauses, not one.
_CLAUSE_OPENERS = {
    "pt": {"mas", "porem", "contudo", "entretanto", "enquanto", "todavia", "ja", "embora"},
    "en": {"but", "while", "whereas", "however", "although", "though", "yet"},
}
# "e"/"and" opens a clause when a subordinating word follows it ("e quando", "and with").
_AND = {"e", "and", "ou", "or"}
_SUBORDINATORS = {
    "quando",
    "se",
    "com",
    "sem",
    "caso",
    "no",
    "na",
    "em",
    "para",
    "when",
    "if",
    "with",
    "without",
    "at",
    "for",
    "in",
    "on",
}

# Words that deny or reverse what follows them in the clause, per language ("no" is "in the" in Portuguese).
NEGATORS = {
    "pt": {"nao", "nem", "sem", "nunca", "jamais", "nenhum", "nenhuma", "menos"},
    "en": {"not", "no", "nor", "never", "without", "none", "cannot", "less"},
}
ALL_NEGATORS = NEGATORS["pt"] | NEGATORS["en"]


# Prefixes that students write joined, hyphenated or apart: "pré-treino", "pre treino", "pretreino".
_PREFIXES = {"pre", "pos", "auto", "retro", "re", "sub", "super", "hiper", "multi", "semi", "back", "self"}


def fold(text: str) -> str:
    """Case and accents do not matter: 'Sigmóide' -> 'sigmoide', 'atenção' -> 'atencao'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_NOT_PLURALS = {
    "mais",
    "menos",
    "pois",
    "tres",
    "seis",
    "dois",
    "apos",
    "atras",
    "antes",
    "depois",
    "lapis",
    "this",
    "less",
}


def _pt_variants(word: str) -> set[str]:
    """The word and the singulars it may be the plural of (folded Portuguese)."""
    variants = {word}
    if len(word) <= 3:
        return variants
    if len(word) == 4:  # "gpus" -> "gpu", but "mais" is no plural of "mal"
        return variants | ({word[:-1]} if word.endswith("s") and word not in _NOT_PLURALS else set())
    endings = (
        ("coes", "cao"),
        ("oes", "ao"),
        ("aes", "ao"),
        ("ens", "em"),
        ("eis", "el"),
        ("eis", "il"),
        ("ais", "al"),
        ("ois", "ol"),
        ("uis", "ul"),
        ("res", "r"),
        ("zes", "z"),
        ("s", ""),
    )
    for plural, singular in endings:
        if word.endswith(plural):
            variants.add(word[: -len(plural)] + singular)
    # Participles meet their verb ("usada" -> "usar"), which the stemmer misses for short verbs.
    for participle, infinitive in (("ado", "ar"), ("ada", "ar"), ("ido", "er"), ("ido", "ir"), ("ida", "ir")):
        for form in {word, word[:-1] if word.endswith("s") else word}:
            if form.endswith(participle) and len(form) > 4:
                variants.add(form[: -len(participle)] + infinitive)
    return variants


@lru_cache(maxsize=65536)
def stems(word: str, lang: str) -> frozenset[str]:
    """Comparable forms of one folded word: equal stems mean the same word, inflected."""
    stemmer = _STEMMERS[lang]
    if lang == "pt":
        return frozenset(stemmer.stemWord(v) for v in _pt_variants(word))
    return frozenset({stemmer.stemWord(word), stemmer.stemWord(word.rstrip("s")) if len(word) > 3 else word})


def close(a: str, b: str) -> bool:
    """One typo (a letter missing, extra, wrong, or two swapped) is forgiven in words of seven letters or more."""
    return min(len(a), len(b)) >= 7 and OSA.distance(a, b, score_cutoff=1) <= 1


@dataclass
class Token:
    folded: str  # the word, case and accents removed
    index: int  # position in the answer
    sentence: int
    clause: int
    segment: int  # stretch between commas; a relation may run from one segment into the next
    asks: bool = False  # "ou não", "or not", "yes/no": an alternative offered, not a negation

    def stems(self, lang: str) -> frozenset[str]:
        return stems(self.folded, lang)

    def negates(self, lang: str) -> bool:
        """A negation for a pattern in `lang`: both languages' words count (students mix them),
        except "no", which in Portuguese means "in the"."""
        if self.asks:
            return False
        if self.folded == "no":
            return lang == "en"
        return self.folded in ALL_NEGATORS or self.folded.endswith("n't")


@dataclass
class Text:
    raw: str
    tokens: list[Token] = field(default_factory=list)
    list_items: int = 0  # lines that start with a list marker

    @cached_property
    def clauses(self) -> list[list[Token]]:
        """The tokens grouped by clause (read once: every pattern of a rubric walks them)."""
        groups: dict[int, list[Token]] = {}
        for token in self.tokens:
            groups.setdefault(token.clause, []).append(token)
        return list(groups.values())


def words(text: str) -> list[str]:
    """Folded words, hyphens split and loose prefixes joined ('pré-treino' -> ['pretreino'])."""
    out: list[str] = []
    for match in _WORD.finditer(fold(text)):
        word = match.group(0).replace("’", "'")
        if word.endswith("'s"):  # a possessive: "stock's" -> "stock"
            word = word[:-2]
        out.extend(part for part in word.split("-") if part)
    return _join_prefixes(out)


def _join_prefixes(parts: list[str]) -> list[str]:
    joined: list[str] = []
    for part in parts:
        if joined and joined[-1] in _PREFIXES and part.isalpha() and len(part) > 2:
            joined[-1] = joined[-1] + part
        else:
            joined.append(part)
    return joined


def read(raw: str) -> Text:
    """Split an answer into tokens that know their sentence, clause and comma segment."""
    text = Text(raw=raw, list_items=len(_LIST_MARKER.findall(raw)))
    body = _LIST_MARKER.sub("\n", raw)
    for arrow in ("->", "=>", "→", "⇒"):
        body = body.replace(arrow, " ")
    # "T > 1" and "T < 1" are read as words, so rubrics can name them: gt, lt.
    body = body.replace(">", " gt ").replace("<", " lt ")
    clause = segment = index = 0
    for sentence_number, sentence in enumerate(_SENTENCE_END.split(body)):
        clause += 1
        # A colon introduces what follows ("Alta: respostas variadas"): a segment, like a comma.
        for segment_number, piece in enumerate(re.split(r"[,:]", sentence)):
            tokens = words(piece)
            segment += 1
            if segment_number > 0 and tokens and _opens_after_comma(tokens):
                clause += 1
            for position, word in enumerate(tokens):
                if position > 0 and _opens_clause(tokens, position):
                    clause += 1
                asks = position > 0 and tokens[position - 1] in {"ou", "or", "yes", "sim"}
                text.tokens.append(Token(word, index, sentence_number, clause, segment, asks))
                index += 1
    return text


# After a comma, "e"/"and" starts a parallel clause ("..., e alta deixa previsível"), but not
# when a subject follows: "..., e o modelo responde sempre igual" goes on with the same thought.
_CONTINUATIONS = {
    "o",
    "a",
    "os",
    "as",
    "um",
    "uma",
    "ele",
    "ela",
    "eles",
    "elas",
    "isso",
    "isto",
    "assim",
    "entao",
    "por",
    "the",
    "it",
    "this",
    "that",
    "they",
    "so",
    "then",
    "thus",
}


def _opens_after_comma(tokens: list[str]) -> bool:
    if tokens[0] in _AND:
        return len(tokens) > 1 and tokens[1] not in _CONTINUATIONS
    return _opens_clause(tokens, 0)


def _opens_clause(tokens: list[str], position: int) -> bool:
    word = tokens[position]
    if word in _CLAUSE_OPENERS["pt"] or word in _CLAUSE_OPENERS["en"]:
        return True
    following = tokens[position + 1] if position + 1 < len(tokens) else ""
    return word in _AND and following in _SUBORDINATORS


_GLOSS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
ARTICLES = {"o", "a", "os", "as", "um", "uma", "uns", "umas", "the", "an"}


def without_glosses(text: str) -> str:
    """'Backpropagation (retropropagação)' -> 'Backpropagation ': a gloss in brackets is not the answer."""
    return _GLOSS.sub(" ", text)


def key(text: str, filler: set[str] = frozenset()) -> str:
    """One short answer as a comparable key: no glosses, articles, filler words, spaces or hyphens.

    'o Back-propagation', 'back propagation' and 'Backpropagation (retropropagação)'
    all give 'backpropagation'.
    """
    dropped = ARTICLES | {fold(word) for word in filler}
    return "".join(word for word in words(without_glosses(text)) if word not in dropped)


def _name_lookup(names: dict, filler: set[str]) -> dict[str, object]:
    """Each spelling's key and its group (a spelling made only of filler words keeps its own key)."""
    lookup: dict[str, object] = {}
    for group, spellings in names.items():
        for spelling in spellings:
            lookup.setdefault(key(spelling, filler) or key(spelling), group)
    return lookup


def _find_names(text: str, lookup: dict[str, object], dropped: set[str]) -> list[tuple[object, str]]:
    """Every known name in the text, longest first: [(name's group, its words)].

    The text is read as a run of words; at each place the longest run of up to
    four words whose joined key is a known spelling (or one typo from it) is
    taken, so 'Leaky ReLU' is found as itself, not as ReLU, and 'back
    propagation' as 'backpropagation'. Words that are no name (separators,
    'função', 'e', a sentence's verbs) are skipped.
    """
    tokens = [word for word in words(text) if word not in dropped]
    found: list[tuple[object, str]] = []
    position = 0
    while position < len(tokens):
        for width in range(min(4, len(tokens) - position), 0, -1):
            joined = "".join(tokens[position : position + width])
            group = lookup.get(joined) or next((g for k, g in lookup.items() if close(joined, k)), None)
            if group is not None:
                found.append((group, " ".join(tokens[position : position + width])))
                position += width
                break
        else:
            position += 1
    return found


# --- short answers and list answers ---------------------------------------------------


def short_answer_match(answer: str, accepted: list[str], filler: set[str], rejected: list[str]) -> str | None:
    """The accepted spelling the answer is (glosses, articles, filler and one typo aside), or None.

    A declared near miss ("transformar" for "transformer") is refused before the typo rule.
    """
    given = key(answer, filler)
    if not given:
        return None
    if any(given == key(near, filler) for near in rejected):
        return None
    keys = {key(spelling, filler): spelling for spelling in accepted}
    if given in keys:
        return keys[given]
    return next((spelling for k, spelling in keys.items() if close(given, k)), None)


_SEPARATORS = re.compile(r"[,;/\n•·]|\s(?:e|ou|and|or)\s", re.IGNORECASE)


def names_in_list(answer: str, names: dict, filler: set[str]) -> list[tuple[object, str]]:
    """Names found in a list answer, as (group, words): `names` maps a group (an item) to its spellings.

    A gloss in brackets counts only where its item named nothing: "ReLU
    (Rectified Linear Unit)" is one name; "(logística)" alone, after an unknown
    word, is read as the student's name for the item.
    """
    lookup = _name_lookup(names, filler)
    dropped = ARTICLES | {fold(word) for word in filler}
    found: list[tuple[object, str]] = []
    pieces = re.split(f"({_GLOSS.pattern})", answer)
    for position, piece in enumerate(pieces):
        if position % 2 == 0:
            found += _find_names(piece, lookup, dropped)
            continue
        before = _SEPARATORS.split(pieces[position - 1])[-1]
        if not _find_names(before, lookup, dropped):
            found += _find_names(piece[1:-1], lookup, dropped)
    return found


_MARKERS = {
    "pt": {
        "de",
        "que",
        "os",
        "um",
        "uma",
        "para",
        "com",
        "nao",
        "do",
        "da",
        "dos",
        "das",
        "em",
        "no",
        "na",
        "e",
        "se",
        "mais",
        "por",
        "isso",
        "ele",
        "ela",
        "sao",
        "como",
        "quando",
        "porque",
        "muito",
        "tem",
        "pra",
    },
    "en": {
        "the",
        "is",
        "are",
        "of",
        "to",
        "and",
        "that",
        "it",
        "in",
        "for",
        "with",
        "this",
        "an",
        "be",
        "by",
        "on",
        "which",
        "from",
        "not",
        "more",
        "its",
        "they",
        "when",
        "because",
        "so",
        "can",
        "gets",
        "makes",
    },
}


def language(answer: Text) -> str | None:
    """The answer's language from its small words, or None when it is unclear (short, mixed)."""
    counts = {lang: sum(t.folded in _MARKERS[lang] for t in answer.tokens) for lang in LANGUAGES}
    for lang, other in (("pt", "en"), ("en", "pt")):
        if counts[lang] >= 2 and counts[lang] >= 2 * counts[other]:
            return lang
    return None
