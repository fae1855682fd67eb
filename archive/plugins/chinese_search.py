"""Datasette plugin: Chinese search over the bigram index (crawler/search.py).

Datasette turns `?_search=` into `… MATCH escape_fts(:search)`; replacing escape_fts
makes the normal search box find two-character words in simplified or traditional input.
The canned query `search` uses zh_query() and zh_snippet(); hits marked ⟦…⟧ show as <mark>.
"""

from datasette import hookimpl
from markupsafe import Markup, escape

from crawler.search import HIT_END, HIT_START, fts_query, snippet


@hookimpl(trylast=True)  # after Datasette's own escape_fts, so this one wins
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query)
    conn.create_function("zh_query", 1, fts_query)
    conn.create_function("zh_snippet", 2, snippet)


@hookimpl
def render_cell(value, column):
    if column == "snippet" and isinstance(value, str):
        return Markup(str(escape(value)).replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))
    return None
