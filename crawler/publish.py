"""Publish the archive with Datasette: metadata, the Chinese-search plugin, safe defaults."""

from __future__ import annotations

from pathlib import Path

from .archive import open_archive

PROJECT_ARCHIVE = Path(__file__).resolve().parents[1] / "archive"
METADATA = PROJECT_ARCHIVE / "metadata.yml"
PLUGINS = PROJECT_ARCHIVE / "plugins"


def datasette_args(db_path: str, host: str, port: int) -> list[str]:
    """Command line for `datasette serve` on the archive."""
    return [
        "serve", str(db_path), "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS),
        "--host", host, "--port", str(port),
        # Facet suggestions cost ~90 % of a search page's time on a large archive (PERF_NOTES §4).
        "--setting", "suggest_facets", "off",
        "--setting", "sql_time_limit_ms", "3000",
    ]


def serve_archive(db_path: str, host: str, port: int) -> None:
    """Run Datasette in this process until interrupted."""
    from datasette.cli import cli as datasette_cli

    open_archive(db_path).close()  # create the tables so an empty archive can be browsed
    datasette_cli.main(datasette_args(db_path, host, port), prog_name="datasette")
