"""Datasette plugin: what an article page shows beside its row (attachments, URLs, revisions,
reprints, the other copies of the story and how this one differs from the original), and a robots.txt
that keeps crawlers out of the archive."""

import difflib
import re

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

SEED_PREFIX = "seed:"  # crawler.items.SEED_PREFIX: a page filed from the seeds folder
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


def zh_datetime(value) -> str:
    """An ISO date as readers write it: 2023-04-12T09:09:00+08:00 → 2023年4月12日 09:09 (the
    archive keeps ISO; anything else is shown as it is)."""
    match = _ISO.match(value or "")
    if not match:
        return value or ""
    year, month, day, hour, minute = match.groups()
    shown = f"{year}年{int(month)}月{int(day)}日"
    return f"{shown} {hour}:{minute}" if hour else shown


def link_or_seed(url) -> Markup:
    """A web address as a link; a seed file (seed:<name>), which has none, as its name."""
    if url and url.startswith(SEED_PREFIX):
        return Markup("种子文件 ") + escape(url[len(SEED_PREFIX):])
    return Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(url or "")


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["zh_datetime"] = zh_datetime
    env.globals["link_or_seed"] = link_or_seed


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
                "attachments": await attachments(db, article_id), **await copies(db, article_id)}

    return related


# The files an article's pages link (a reprint's page may link the same ones), each once.
ARTICLE_ATTACHMENTS = """
SELECT at.id, at.name, at.kind, at.size, at.text_status, at.problem, substr(at.text, 1, :shown) AS text,
       length(at.text) AS text_length, min(aa.url) AS url
FROM article_urls u JOIN article_attachments aa ON aa.page_url = u.url JOIN attachments at ON at.id = aa.attachment_id
WHERE u.article_id = :article_id GROUP BY at.id ORDER BY min(aa.position), at.name
"""
SHOWN_CHARS = 3000  # of an attachment's text on the article page (the download has all of the file)


async def attachments(db, article_id) -> list:
    if not await db.table_exists("article_attachments"):  # an archive no crawl of this version opened
        return []
    return (await db.execute(ARTICLE_ATTACHMENTS, {"article_id": article_id, "shown": SHOWN_CHARS})).rows


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


REPRINT_ROW = {"id", "title", "sites", "copies", "first_date", "url"}  # the columns of the reprints query


@hookimpl
def render_cell(row, value, column, table):
    """On the reprints page: the story's title links to its article page, its URL to the page
    on the web (a seed file is named), the date reads as a date."""
    if table is not None or not REPRINT_ROW <= set(row.keys()):
        return None
    if column == "title":
        return Markup('<a href="{}">{}</a>').format(f"articles/{row['id']}", value or "(无标题)")
    if column == "url":
        return link_or_seed(value)
    if column == "first_date":
        return zh_datetime(value)
    return None


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
