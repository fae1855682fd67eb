"""Datasette plugin: Chinese search over the bigram index (crawler/search.py).

Datasette turns `?_search=` into `… MATCH escape_fts(:search)`; replacing escape_fts
makes the normal search box find two-character words in simplified or traditional input.
The canned query `search` uses zh_query() and zh_snippet(); hits marked ⟦…⟧ show as <mark>.
"""

from urllib.parse import parse_qs, urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from crawler.search import HIT_END, HIT_START, fts_query, snippet


@hookimpl(trylast=True)  # after Datasette's own escape_fts, so this one wins
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query)
    conn.create_function("zh_query", 1, fts_query)
    conn.create_function("zh_snippet", 2, snippet)


@hookimpl
def render_cell(row, value, column, table, database):
    if column == "snippet" and isinstance(value, str):
        return Markup(str(escape(value)).replace(HIT_START, "<mark>").replace(HIT_END, "</mark>"))
    if column == "title" and table is None and "id" in row.keys():  # canned query rows: link the article
        return Markup(f'<a href="/{escape(database)}/articles/{int(row["id"])}">{escape(value or "(untitled)")}</a>')
    return None


@hookimpl
def asgi_wrapper(datasette):
    """A plain search from the articles table's search box (no other filters, HTML) goes to
    the `search` canned query: the same rows, ranked by bm25 with newest first on ties, and
    the words marked in context. `?_search=` with filters, sorting or `.json` stays on the
    table."""

    def wrap(app):
        async def redirect_plain_searches(scope, receive, send):
            if scope["type"] == "http" and scope["path"].endswith("/articles"):
                params = parse_qs(scope.get("query_string", b"").decode("utf-8"))
                plain = params.get("_sort_desc", ["date"]) == ["date"]  # the form repeats the default sort
                if set(params) <= {"_search", "_sort_desc"} and plain and params.get("_search", [""])[0].strip():
                    location = scope["path"][: -len("articles")] + "search?" + urlencode({"q": params["_search"][0]})
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [(b"location", location.encode("utf-8"))]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return redirect_plain_searches

    return wrap
