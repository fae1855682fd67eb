"""Datasette plugin: attachments (附件) downloaded from the archive as they were fetched, under
their real name (/<db>/-/attachments/<id>/<name>; article_page.py lists them on the article
page)."""

import zlib
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/-/attachments/(?P<id>\d+)(?:/[^/]*)?$", download)]


async def download(datasette, request):
    """The file's bytes with its Content-Type, saved under its name (RFC 5987 for Chinese
    names); never shown inline, so no file can act as a page of the archive's site."""
    db = datasette.get_database(request.url_vars["database"])
    if not await db.table_exists("attachment_files"):
        raise NotFound("this archive holds no attachments")
    row = (await db.execute(
        "SELECT a.name, a.content_type, f.body FROM attachments a JOIN attachment_files f ON f.attachment_id = a.id "
        "WHERE a.id = ?", [int(request.url_vars["id"])])).first()
    if row is None:
        raise NotFound("no such attachment")
    name = row["name"] or "attachment"
    fallback = name.encode("ascii", "replace").decode().replace('"', "_")
    headers = {"content-disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
               "x-content-type-options": "nosniff"}
    return Response(zlib.decompress(row["body"]), headers=headers,
                    content_type=row["content_type"] or "application/octet-stream")


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["file_size"] = file_size


def file_size(size) -> str:
    """2,721 → '2.7 KB'."""
    size = size or 0
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
