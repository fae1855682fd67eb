"""Datasette plugin: what an article page shows beside its row (URLs, revisions, reprints),
and a robots.txt that keeps crawlers out of the archive."""

from datasette import hookimpl
from datasette.utils.asgi import Response


@hookimpl
def extra_template_vars(template, database, table, request, datasette):
    if template != "row-news-articles.html" or request is None:
        return {}

    async def related():
        article_id = request.url_vars.get("pks")
        db = datasette.get_database(database)
        urls = (await db.execute(
            "SELECT url, first_seen, last_seen FROM article_urls WHERE article_id = ? ORDER BY first_seen",
            [article_id])).rows
        revisions = (await db.execute(
            "SELECT id, title, body, first_seen, replaced_at FROM revisions WHERE article_id = ? ORDER BY replaced_at DESC",
            [article_id])).rows
        hosts = sorted({url["url"].split("/")[2] for url in urls if url["url"].startswith("http")})
        return {"article_urls": urls, "article_revisions": revisions, "reprint_sites": hosts}

    return related


@hookimpl
def register_routes():
    return [(r"^/robots\.txt$", robots_txt)]


async def robots_txt():
    return Response.text("User-agent: *\nDisallow: /\n")
