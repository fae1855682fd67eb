"""Chinese full-text search: text and queries as character bigrams for SQLite FTS5.

FTS5's unicode61 tokenizer keeps a run of Han characters as one token and the trigram
tokenizer matches only terms of three characters or more (most Chinese words have two),
so the index stores every overlapping pair of Han characters as a token and a query
becomes a phrase of its pairs.
"""

from __future__ import annotations

import re

from ..clean.normalize import halfwidth, to_simplified

_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")
MAX_QUERY_CHARS, MAX_TERMS, MAX_TERM_CHARS = 1000, 12, 40
HIT_START, HIT_END = "\u27e6", "\u27e7"  # ⟦ ⟧ around a hit; the plugin renders them as <mark>


def bigrams(text: str) -> str:
    """Index form of a text: Han runs as overlapping pairs, Latin/digit words as they are."""
    tokens: list[str] = []
    for run in _HAN_RUN.findall(text or ""):
        if run.isascii():
            tokens.append(run.lower())
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return " ".join(tokens)


def query_terms(query: str | None) -> list[str]:
    """The words of a query, simplified and halfwidth: repeats dropped, at most MAX_TERMS of
    MAX_TERM_CHARS each. Every request's work stays bounded: FTS5's bm25 ranking costs grow
    with the square of the terms (9,000 repeats of one word took 36 s and stalled the server)."""
    terms: list[str] = []
    for term in halfwidth(to_simplified((query or "")[:MAX_QUERY_CHARS])).split():
        term = term[:MAX_TERM_CHARS]
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


def fts_query(query: str) -> str:
    """FTS5 MATCH expression for a user query: each space-separated term must occur.

    Terms are simplified first, so a Traditional query finds the simplified archive. A
    term is a phrase of its bigrams, which matches exactly the texts containing it; a term
    ending in a single Han character ('长', '2022年') ends in a prefix token instead, since
    the index holds that character only as the start of a pair.
    """
    phrases = []
    for term in query_terms(query):
        tokens = bigrams(term).split()
        if not tokens:
            continue
        prefix = len(tokens[-1]) == 1 and not tokens[-1].isascii()
        phrases.append('"' + " ".join(tokens) + '"' + (" *" if prefix else ""))
    return " AND ".join(phrases) or '""'


def snippet(text: str, query: str, width: int = 40) -> str:
    """The text around the first hit of any query term, hits marked ⟦…⟧."""
    text = text or ""
    terms = query_terms(query)
    lowered = text.lower()
    hits = [(lowered.find(term.lower()), term) for term in terms]
    hits = [(position, term) for position, term in hits if position >= 0]
    if not hits:
        return text[:2 * width]
    first, _term = min(hits)
    start, end = max(0, first - width), min(len(text), first + 2 * width)
    piece = text[start:end].replace("\n", " ")
    for term in sorted(set(terms), key=len, reverse=True):
        piece = re.sub(re.escape(term), lambda m: HIT_START + m.group(0) + HIT_END, piece, flags=re.I)
    return ("…" if start else "") + piece + ("…" if end < len(text) else "")
