"""Chinese full-text search: text and queries as character bigrams for SQLite FTS5.

FTS5's unicode61 tokenizer keeps a run of Han characters as one token and the trigram
tokenizer matches only terms of three characters or more (most Chinese words have two),
so the index stores every overlapping pair of Han characters as a token and a query
becomes a phrase of its pairs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

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


# A query's words: a "quoted phrase", a -word to leave out, OR between alternatives, or a word.
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class ParsedQuery:
    """What a query asks for: every group must match (a group is one word or phrase, or
    alternatives joined by OR), no excluded word may."""

    groups: list[list[str]]
    excluded: list[str]

    @property
    def terms(self) -> list[str]:
        """The words and phrases to find (and to mark in snippets), in query order."""
        return [term for group in self.groups for term in group]


def parse_query(query: str | None) -> ParsedQuery:
    """Read a query as a search box user writes it: words must all occur; `a OR b` takes
    either; `-word` leaves out articles that have it; "a phrase" must occur as written (its
    Han characters run together, as Chinese is written without spaces). Words are simplified
    and halfwidth first, so both scripts find the same articles. Repeats are dropped and at
    most MAX_TERMS words of MAX_TERM_CHARS count: every request's work stays bounded (FTS5's
    bm25 ranking grows with the square of the terms; 9,000 repeats of one word took 36 s)."""
    text = halfwidth(to_simplified((query or "")[:MAX_QUERY_CHARS]))
    groups: list[list[str]] = []
    excluded: list[str] = []
    seen: set[str] = set()
    join_next = False
    for negated, phrase, word in _QUERY_TOKEN.findall(text):
        if word == "OR":
            join_next = bool(groups)
            continue
        if word:
            negated, term = ("-", word[1:]) if word.startswith("-") and len(word) > 1 else ("", word)
        else:
            term = _phrase(phrase)
        term = term[:MAX_TERM_CHARS]
        if not bigrams(term) or term in seen or len(seen) == MAX_TERMS:
            join_next = False
            continue
        seen.add(term)
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return ParsedQuery(groups, excluded)


def _phrase(text: str) -> str:
    """A quoted phrase as it is matched: spaces between Han characters dropped."""
    return re.sub(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])", "", text.strip())


def query_terms(query: str | None) -> list[str]:
    """The words and phrases a query looks for (not those it excludes)."""
    return parse_query(query).terms


def fts_query(query: str) -> str:
    """FTS5 MATCH expression for a user query (parse_query says what it can hold).

    A word or phrase is an FTS5 phrase of its bigrams, which matches exactly the texts
    containing it; one ending in a single Han character ('长', '2022年') ends in a prefix
    token instead, since the index holds that character only as the start of a pair. A
    query of exclusions only matches nothing (FTS5's NOT needs something to subtract from).
    """
    parsed = parse_query(query)
    groups = [" OR ".join(_fts_phrase(term) for term in group) for group in parsed.groups]
    expression = " AND ".join(f"({group})" if " OR " in group else group for group in groups)
    if not expression:
        return '""'
    for term in parsed.excluded:
        expression = f"({expression}) NOT {_fts_phrase(term)}"
    return expression


def _fts_phrase(term: str) -> str:
    tokens = bigrams(term).split()
    prefix = len(tokens[-1]) == 1 and not tokens[-1].isascii()
    return '"' + " ".join(tokens) + '"' + (" *" if prefix else "")


def marked_html(text: str) -> str:
    """A snippet as HTML: the text escaped, its hits ⟦…⟧ as <mark>…</mark>."""
    return html.escape(text or "").replace(HIT_START, "<mark>").replace(HIT_END, "</mark>")


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
