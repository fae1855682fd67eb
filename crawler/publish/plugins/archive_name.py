"""Datasette plugin: the archive is the database `news`, whatever its file is called.

The metadata (titles, canned queries, facets), the article-page template
(row-news-articles.html) and every link name it so; Datasette would name a database after
its file (`--db /srv/jilin-2026.db` → /jilin-2026/), and all of that would be lost.
"""

from datasette import hookimpl

ARCHIVE = "news"


@hookimpl
def startup(datasette):
    files = [database for database in datasette.databases.values() if database.path]
    if len(files) == 1 and files[0].name != ARCHIVE:
        archive = files[0]
        datasette.remove_database(archive.name)
        datasette.add_database(archive, name=ARCHIVE)
