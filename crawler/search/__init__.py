"""Chinese full-text search: the query side (query.py), shared with the Datasette plugin,
and the index upkeep the archive's writer does (index.py)."""

from .query import HIT_END, HIT_START, bigrams, fts_query, marked_html, parse_query, snippet

__all__ = ["HIT_END", "HIT_START", "bigrams", "fts_query", "marked_html", "parse_query", "snippet"]
