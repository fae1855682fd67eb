"""Datasette plugin: the dashboard (datasette-dashboards) on a public server, where no
arbitrary SQL runs. Its pages check the execute-sql permission: a request for a dashboard
page (and only that) acts as the dashboard, which may. Its charts fetch their data as SQL
(/<db>.json?sql=…): a request whose SQL is exactly one of the database's canned queries
(metadata.yml names each chart's SQL once, for both) is answered as that canned query; any
other SQL stays refused."""

from urllib.parse import parse_qs, urlencode

from datasette import hookimpl


DASHBOARD = {"id": "newsarchive-dashboard"}


def _public(datasette) -> bool:
    return not datasette.setting("default_allow_sql")  # how `serve --public` runs Datasette


@hookimpl
def actor_from_request(datasette, request):
    if _public(datasette) and request.path.startswith("/-/dashboards"):
        return DASHBOARD
    return None


@hookimpl(trylast=True)  # Datasette takes the last answer: this one overrides default_allow_sql
def permission_allowed(datasette, actor, action):
    if action == "execute-sql" and actor == DASHBOARD and _public(datasette):
        return True
    return None


@hookimpl
def asgi_wrapper(datasette):
    if not _public(datasette):
        return lambda app: app  # arbitrary SQL is allowed: nothing to bridge

    def wrap(app):
        async def canned_chart_queries(scope, receive, send):
            if scope["type"] == "http" and scope["path"].endswith(".json") and scope["path"].count("/") == 1:
                scope = _as_canned_query(datasette, scope)
            await app(scope, receive, send)

        return canned_chart_queries

    return wrap


def _as_canned_query(datasette, scope) -> dict:
    database = scope["path"][1:-len(".json")]
    params = parse_qs(scope.get("query_string", b"").decode("utf-8"), keep_blank_values=True)
    sql = (params.pop("sql", [""])[0]).strip()
    queries = (datasette.metadata("queries", database=database) or {}) if database in datasette.databases else {}
    name = next((name for name, query in queries.items() if isinstance(query, dict)
                 and query.get("sql", "").strip() == sql), None)
    if not sql or name is None:
        return scope
    rest = urlencode([(key, value) for key, values in params.items() for value in values])
    return {**scope, "path": f"/{database}/{name}.json", "raw_path": f"/{database}/{name}.json".encode(),
            "query_string": rest.encode()}
