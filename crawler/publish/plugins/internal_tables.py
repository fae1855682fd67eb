"""Datasette plugin: the archive's internal tables (hidden in metadata.yml: reprint bands and
signatures, cleaning state, the frontier, list pages) are not served by a public server."""

from datasette import hookimpl


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    public = not datasette.setting("default_allow_sql")  # how `serve --public` runs Datasette
    if public and action == "view-table" and isinstance(resource, tuple):
        database, table = resource
        if datasette.metadata("hidden", database=database, table=table):
            return False
    return None
