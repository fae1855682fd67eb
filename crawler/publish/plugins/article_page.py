"""Datasette plugin: what an article page shows beside its row (URLs, revisions, reprints,
the other copies of the story and how this one differs from the original), and a robots.txt
that keeps crawlers out of the archive."""

import difflib

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
        return {"article_urls": urls, "article_revisions": revisions, "reprint_sites": hosts,
                **await copies(db, article_id)}

    return related


async def copies(db, article_id) -> dict:
    """The other articles of this one's reprint cluster, and this copy's paragraphs that
    differ from the cluster's original."""
    cluster = (await db.execute(
        "SELECT c.id, c.original_id, c.sites, a.body FROM articles me JOIN clusters c ON c.id = me.cluster_id "
        "JOIN articles a ON a.id = c.original_id WHERE me.id = ?", [article_id])).first()
    if cluster is None:
        return {}
    others = (await db.execute(
        "SELECT id, title, site, date, url, similarity, id = ? AS original FROM articles "
        "WHERE cluster_id = ? AND id != ? ORDER BY date, id", [cluster["original_id"], cluster["id"], article_id])).rows
    body = (await db.execute("SELECT body FROM articles WHERE id = ?", [article_id])).first()["body"]
    is_original = str(cluster["original_id"]) == str(article_id)
    return {"cluster": dict(cluster), "cluster_copies": others, "is_original": is_original,
            "diff_from_original": [] if is_original else paragraph_diff(cluster["body"], body)}


@hookimpl
def register_routes():
    return [(r"^/robots\.txt$", robots_txt)]


async def robots_txt():
    return Response.text("User-agent: *\nDisallow: /\n")


def paragraph_diff(original: str, copy: str) -> list[tuple[str, str]]:
    """(sign, paragraph) for the paragraphs a copy adds ('+') or drops ('-') against the
    original; unchanged ones are left out."""
    lines = difflib.ndiff((original or "").split("\n"), (copy or "").split("\n"))
    return [(line[0], line[2:]) for line in lines if line[:1] in "+-" and line[2:].strip()]
