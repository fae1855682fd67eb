"""Datasette plugin: the search page readers see at /<db>/search — no SQL on it: ranked
results with the words marked, facets of the hits (来源, site, month) to narrow them, pages
of 20, a title that names the query, and help for an empty or odd query. The canned query of
the same name stays the API (/<db>/search.json?q=)."""

from urllib.parse import urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from markupsafe import Markup

from crawler.search import HIT_START, fts_query, marked_html, parse_query, snippet

PAGE_SIZE = 20
# Facets of more hits than this would read every hit's row (a 4 KB page each): a query that
# common gets its ranked results and a hint to narrow it instead.
FACET_LIMIT = 10_000
FACETS = (("source_name", "来源"), ("site", "网站"), ("month", "月份"))
HITS = "SELECT rowid AS id, bm25(articles_fts) AS rank FROM articles_fts WHERE articles_fts MATCH :fts"
# An article is also found by the name or text of a file it links (附件), once, when its own
# title and body do not hold the words.
ATTACHMENT_HITS = """
SELECT u.article_id AS id, min(attachments_fts.rank) AS rank FROM attachments_fts
JOIN article_attachments aa ON aa.attachment_id = attachments_fts.rowid JOIN article_urls u ON u.url = aa.page_url
WHERE attachments_fts MATCH :fts AND u.article_id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :fts)
GROUP BY u.article_id"""
# Where an article found by its attachment shows the words: the first such file's text.
ATTACHMENT_TEXT = """
SELECT at.name, at.text FROM attachments_fts JOIN attachments at ON at.id = attachments_fts.rowid
JOIN article_attachments aa ON aa.attachment_id = at.id JOIN article_urls u ON u.url = aa.page_url
WHERE attachments_fts MATCH :fts AND u.article_id = :id LIMIT 1"""


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/search$", search_page)]


async def search_page(datasette, request):
    database = request.url_vars["database"]
    db = datasette.get_database(database)  # a database that is not served: Datasette's 404
    query = request.args.get("q", "").strip()
    chosen = {column: request.args.get(column) for column, _label in FACETS if request.args.get(column)}
    page = max(1, int(request.args.get("page", "1")) if request.args.get("page", "1").isdigit() else 1)
    context = {"database": database, "q": query, "chosen": chosen, "page": page, "results": [], "total": 0,
               "facets": [], "problem": None, "asked": bool(parse_query(query).groups)}
    if context["asked"]:
        try:
            await _fill(db, context, query, chosen, page)
        except QueryInterrupted:
            context["problem"] = "这个查询命中太多文章, 在时限内算不完: 请加一个词或选一个来源。"
    context["links"] = _links(datasette.urls.database(database) + "/search", query, chosen, page, context["total"])
    return await _render(datasette, request, context)


async def _fill(db, context: dict, query: str, chosen: dict, page: int) -> None:
    where = "".join(f" AND a.{column} = :{column}" for column in chosen)
    params = {"fts": fts_query(query), **chosen, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    with_files = await _has_attachments(db)
    found = f"{HITS} UNION ALL {ATTACHMENT_HITS}" if with_files else HITS
    hits = f"WITH hits AS ({found}) SELECT {{}} FROM hits JOIN articles a ON a.id = hits.id WHERE 1{where}"
    context["total"] = (await db.execute(hits.format("count(*)"), params)).first()[0]
    rows = await db.execute(hits.format("a.id, a.title, a.source_name, a.site, a.date, a.body")
                            + " ORDER BY hits.rank, a.date DESC LIMIT :limit OFFSET :offset", params)
    context["results"] = [{**dict(row), "snippet": _marked(await _snippet(db, row, query, params["fts"], with_files))}
                          for row in rows]
    if context["total"] > FACET_LIMIT:
        context["problem"] = f"命中 {context['total']} 篇, 太多, 不分面: 加一个词可以缩小范围。"
        return
    for column, label in FACETS:
        counts = await db.execute(hits.format(f"a.{column} AS value, count(*) AS n")
                                  + f" AND a.{column} IS NOT NULL GROUP BY a.{column} ORDER BY n DESC LIMIT 12", params)
        context["facets"].append({"column": column, "label": label, "values": [dict(row) for row in counts]})


async def _has_attachments(db) -> bool:
    return await db.table_exists("attachments_fts") and bool(
        (await db.execute("SELECT EXISTS (SELECT 1 FROM article_attachments)")).first()[0])


async def _snippet(db, row, query: str, fts: str, with_files: bool) -> str:
    """The words in the article's body, or, for an article found by its attachment, in the file."""
    shown = snippet(row["body"], query)
    if not with_files or HIT_START in shown:
        return shown
    found = (await db.execute(ATTACHMENT_TEXT, {"fts": fts, "id": row["id"]})).first()
    return f"附件 {found['name']}: {snippet(found['text'] or found['name'], query)}" if found else shown


def _marked(text: str) -> Markup:
    return Markup(marked_html(text))


def _links(path: str, query: str, chosen: dict, page: int, total: int) -> dict:
    """URLs of this page's neighbours and of each facet value toggled."""
    def url(**changes) -> str:
        params = {"q": query, **chosen, "page": page, **changes}
        return f"{path}?" + urlencode({key: value for key, value in params.items() if value not in (None, "", 1)})
    last = max(1, -(-total // PAGE_SIZE))
    return {"previous": url(page=page - 1) if page > 1 else None, "next": url(page=page + 1) if page < last else None,
            "last": last, "toggle": lambda column, value: url(**{column: None if chosen.get(column) == value else value,
                                                                   "page": 1})}


async def _render(datasette, request, context: dict):
    from datasette.utils.asgi import Response

    html = await datasette.render_template("reader_search.html", context, request=request)
    return Response.html(html)
