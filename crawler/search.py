"""Chinese full-text search: text and queries as character bigrams for SQLite FTS5.

FTS5's unicode61 tokenizer keeps a run of Han characters as one token and the trigram
tokenizer cannot match two-character words (PERF_NOTES.md §4), so the index stores every
overlapping pair of Han characters as a token and a query becomes a phrase of its pairs.
"""

from __future__ import annotations

import re

from .normalize import halfwidth, to_simplified

_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")


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


def fts_query(query: str) -> str:
    """FTS5 MATCH expression for a user query: each space-separated term must occur.

    Terms are simplified first, so a Traditional query finds the simplified archive.
    """
    phrases = []
    for term in halfwidth(to_simplified(query)).split():
        tokens = bigrams(term)
        if tokens:
            phrases.append('"' + tokens + '"')
    return " ".join(phrases) or '""'
