"""`newsarchive`: clean saved pages, crawl sources, reclean the archive, serve it."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .clean import Article, RawPage, clean_page

DEFAULT_DB = "archive/news.db"
DEFAULT_SEEDS = "seeds"


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose: bool) -> None:
    """Crawl, clean and archive regional government news."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def iter_files(paths: tuple[str, ...]):
    """Files named on the command line, folders expanded in name order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def clean(paths: tuple[str, ...], as_json: bool) -> None:
    """Clean saved pages (HTML in any charset, or text dumps) without touching the archive."""
    failed = 0
    for path in iter_files(paths):
        try:
            article = clean_page(RawPage(body=path.read_bytes()))
        except Exception as error:  # noqa: BLE001 - every input gets its line, whatever broke
            failed += 1
            logging.getLogger(__name__).error("%s: %s", path, error)
            if as_json:
                click.echo(Article.failure_json(str(path), error))
            continue
        if as_json:
            click.echo(article.as_json(str(path)))
        else:
            click.echo(f"== {path}\n# {article.title or '(no title)'}  {article.date or ''}  {article.source or ''}\n{article.body}\n")
    sys.exit(1 if failed else 0)
