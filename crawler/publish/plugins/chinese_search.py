"""Datasette plugin: Chinese search over the bigram index (crawler/search.py).

`?_search=` on the articles table (and its search box) is handled here rather than by
Datasette's own search filter, so that the MATCH expression is the bigram phrase of
zh_query() and the SQL suits the number of hits (see search_clause). The canned query
`search` uses zh_query() and zh_snippet(); hits marked ⟦…⟧ show as <mark>. escape_fts is
replaced too, for `?_fts_table=articles_fts&_search=`.
"""

import re
from urllib.parse import parse_qs, quote, urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from crawler.search import fts_query, marked_html, snippet


@hookimpl(trylast=True)  # after Datasette's own escape_fts, so this one wins
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query)
    conn.create_function("zh_query", 1, fts_query)
    conn.create_function("zh_snippet", 2, snippet)


SEARCH_INDEXES = {"articles": "articles_fts", "attachments": "attachments_fts"}
MATCHES = "select rowid from {fts} where {fts} match zh_query(:search)"
DENSE_SHARE = 20  # a query is dense when 1 article in 20 or more contains it


def search_clause(fts: str, dense: bool, rows_only: bool) -> str:
    """WHERE clause selecting the articles that contain the query.

    The table view sorts (newest first by default) and shows a page of rows. For a rare
    query, looking up each hit and sorting is cheapest. For a dense one (a word in most
    articles: 项目, 发展), SQLite would still look up every hit, one 4 KB page each; instead
    walk the sort index and check each article against the index, which finds a page of
    hits after a few hundred checks (`exists`), or, when the request also counts and facets
    (each of which would repeat those checks over the whole table), against the hit list
    built once (`+id in`: the unary plus keeps SQLite from driving the lookup by it).
    """
    matches = MATCHES.format(fts=fts)
    if not dense:
        return f"id in ({matches})"
    if rows_only:
        return f"exists (select 1 from {fts} where {fts} match zh_query(:search) and rowid = {{table}}.id)"
    return f"+id in ({matches})"


@hookimpl(trylast=True)  # after Datasette's search filter, so the search box stays on
def filters_from_request(request, database, table, datasette):
    fts = SEARCH_INDEXES.get(table)
    if fts is None or "_fts_table" in request.args:
        return None

    async def inner():
        db = datasette.get_database(database)
        if not await db.table_exists(fts):
            return None
        search = request.args.get("_search", "").strip()
        context = {"supports_search": True, "search": search}
        if not search:
            return FilterArguments([], extra_context=context)
        total = (await db.execute(f"select coalesce(max(rowid), 0) from {table}")).first()[0]
        threshold = max(1, total // DENSE_SHARE)
        hits = (await db.execute(f"select count(*) from ({MATCHES.format(fts=fts)} limit :limit)",
                                 {"search": search, "limit": threshold})).first()[0]
        clause = search_clause(fts, hits >= threshold, "_nocount" in request.args)
        return FilterArguments([clause.format(table=table)], {"search": search},
                               [f'search matches "{search}"'], context)

    return inner


@hookimpl
def render_cell(row, value, column, table, database):
    if column == "snippet" and isinstance(value, str):
        return Markup(marked_html(value))
    if column == "title" and table is None and "id" in row.keys():  # canned query rows: link the article
        return Markup(f'<a href="/{escape(database)}/articles/{int(row["id"])}">{escape(value or "(untitled)")}</a>')
    return None


@hookimpl
def asgi_wrapper(datasette):
    """A plain search from the articles table's search box (no other filters, HTML) goes to
    the `search` canned query: the same rows, ranked by bm25 with newest first on ties, and
    the words marked in context. `?_search=` with filters, sorting or `.json` stays on the
    table. The redirect names the database, never the request path (`//evil.example/articles`
    is no way off the site). A public server (arbitrary SQL off: `serve --public`) answers 404
    for Datasette's /-/ introspection pages (file paths, settings, threads), static files and
    the dashboard aside."""

    public = not datasette.setting("default_allow_sql")  # how `serve --public` runs Datasette

    def wrap(app):
        async def redirect_plain_searches(scope, receive, send):
            if scope["type"] == "http":
                path = scope["path"]
                if public and path.startswith("/-/") and not path.startswith(PUBLIC_PAGES):
                    await _respond(send, 404, [(b"content-type", b"text/plain")], b"not found")
                    return
                articles = ARTICLES_PATH.fullmatch(path)
                if articles and articles["database"] in datasette.databases:
                    location = _search_location(articles["database"], scope)
                    if location:
                        await _respond(send, 302, [(b"location", location.encode("utf-8"))], b"")
                        return
            await app(scope, receive, send)

        return redirect_plain_searches

    return wrap


PUBLIC_PAGES = ("/-/static/", "/-/static-plugins/", "/-/dashboards")  # the /-/ pages a public server serves
ARTICLES_PATH = re.compile(r"/(?P<database>[^/]+)/articles")


def _search_location(database: str, scope) -> str | None:
    params = parse_qs(scope.get("query_string", b"").decode("utf-8"))
    plain = params.get("_sort_desc", ["date"]) == ["date"]  # the form repeats the default sort
    if set(params) <= {"_search", "_sort_desc"} and plain and params.get("_search", [""])[0].strip():
        return f"/{quote(database)}/search?" + urlencode({"q": params["_search"][0]})
    return None


async def _respond(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
