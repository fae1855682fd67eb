"""Serve the archive with Datasette: metadata, the Chinese-search plugin, safe defaults."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from ..store.schema import on_writable_folder, open_archive

HERE = Path(__file__).resolve().parent
METADATA = HERE / "metadata.yml"
PLUGINS = HERE / "plugins"
TEMPLATES = HERE / "templates"
logger = logging.getLogger(__name__)


def datasette_args(db_path: str, host: str, port: int, public: bool = False) -> list[str]:
    """Command line for `datasette serve` on the archive.

    The file is never opened `--immutable` where a crawl may write it: a server runs for months
    beside hourly crawls, and an immutable connection would serve stale pages, then "database
    disk image is malformed", after the next one (Datasette's connections to a mutable file
    are read-only). Only on a read-only filesystem, where nothing writes, is it immutable.
    Public: no arbitrary SQL, bounded query time and rows, no downloads, no CSV streaming of
    whole tables (the search plugin also closes Datasette's /-/ introspection pages).
    """
    # On a read-only filesystem no crawl can write the file, and SQLite can read a WAL-mode
    # file there only immutable.
    database = [str(db_path)] if on_writable_folder(db_path) else ["--immutable", str(db_path)]
    args = ["serve", *database, "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS),
            "--template-dir", str(TEMPLATES), "--host", host, "--port", str(port),
            # Facet suggestions cost ~90 % of a search page's time on a large archive (200,000 articles).
            "--setting", "suggest_facets", "off"]
    if public:
        return args + ["--setting", "default_allow_sql", "off", "--setting", "sql_time_limit_ms", "1000",
                       "--setting", "max_returned_rows", "500", "--setting", "allow_download", "off",
                       "--setting", "allow_csv_stream", "off"]
    return args + ["--setting", "sql_time_limit_ms", "3000"]


def serve_archive(db_path: str, host: str, port: int, public: bool = False) -> None:
    """Run Datasette in this process until interrupted."""
    from datasette.cli import cli as datasette_cli

    if not Path(db_path).exists() or (not public and on_writable_folder(db_path)):
        _prepare(db_path)
    datasette_cli.main(datasette_args(db_path, host, port, public=public), prog_name="datasette")


def _prepare(db_path: str) -> None:
    """Create the tables (an empty archive can be browsed) or bring an old archive's schema
    up to date; an archive that cannot be written to (read-only filesystem) is served as it is.
    A public server never writes, not even at start."""
    try:
        open_archive(db_path).close()
    except sqlite3.OperationalError as error:
        logger.warning("serving %s as it is: cannot update its schema (%s)", db_path, error)
