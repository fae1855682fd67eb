"""Serve the archive with Datasette: metadata, the Chinese-search plugin, safe defaults."""

from __future__ import annotations

from pathlib import Path

from .store.lock import archive_busy
from .store.schema import open_archive

PROJECT_ARCHIVE = Path(__file__).resolve().parents[1] / "archive"
METADATA = PROJECT_ARCHIVE / "metadata.yml"
PLUGINS = PROJECT_ARCHIVE / "plugins"
TEMPLATES = PROJECT_ARCHIVE / "templates"


def datasette_args(db_path: str, host: str, port: int, public: bool = False, being_written: bool = False) -> list[str]:
    """Command line for `datasette serve` on the archive.

    Public: no arbitrary SQL, bounded query time and rows, and the file opened immutable —
    unless a run (crawl, reclean, dedupe) is writing to it, when Datasette's read-only connections
    are used.
    """
    database = [str(db_path)] if not public or being_written else ["--immutable", str(db_path)]
    args = ["serve", *database, "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS),
            "--template-dir", str(TEMPLATES), "--host", host, "--port", str(port),
            # Facet suggestions cost ~90 % of a search page's time on a large archive (200,000 articles).
            "--setting", "suggest_facets", "off"]
    if public:
        return args + ["--setting", "default_allow_sql", "off", "--setting", "sql_time_limit_ms", "1000",
                       "--setting", "max_returned_rows", "500", "--setting", "allow_download", "off"]
    return args + ["--setting", "sql_time_limit_ms", "3000"]


def serve_archive(db_path: str, host: str, port: int, public: bool = False) -> None:
    """Run Datasette in this process until interrupted."""
    from datasette.cli import cli as datasette_cli

    open_archive(db_path).close()  # create the tables so an empty archive can be browsed
    args = datasette_args(db_path, host, port, public=public, being_written=archive_busy(db_path))
    datasette_cli.main(args, prog_name="datasette")
