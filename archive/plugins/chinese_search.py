"""Datasette plugin: the search box queries the bigram index (crawler/search.py).

Datasette turns `?_search=` into `… MATCH escape_fts(:search)`; replacing escape_fts
makes the normal search box find two-character words in simplified or traditional input.
"""

from datasette import hookimpl

from crawler.search import fts_query


@hookimpl(trylast=True)  # after Datasette's own escape_fts, so this one wins
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query)
