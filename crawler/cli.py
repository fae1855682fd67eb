"""`newsarchive`: clean saved pages, crawl sources, reclean the archive, serve it."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import settings

DEFAULT_DB = settings.ARCHIVE_DB  # NEWSARCHIVE_DB, else archive/news.db
# Replica pages (crawl --sample, demo) never enter a real archive: they would sit under the
# real sites' URLs, which later real crawls would then take for known.
DEMO_DB = "archive/demo.db"
DEFAULT_SEEDS = "seeds"


class NewsarchiveGroup(click.Group):
    """`-v` before or after the subcommand (`newsarchive crawl -v` as `newsarchive -v crawl`);
    a malformed source profile is a usage error (one line naming file, source and key; exit 2)."""

    def parse_args(self, ctx, args):
        if any(arg in VERBOSE for arg in args[1:]):
            args = ["-v", *(arg for arg in args if arg not in VERBOSE)]
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from .sources import ProfileError

        try:
            return super().invoke(ctx)
        except ProfileError as error:
            click.echo(f"newsarchive: a source profile is not valid: {error}", err=True)
            sys.exit(EXIT_USAGE)


VERBOSE = ("-v", "--verbose")


@click.group(cls=NewsarchiveGroup)
@click.version_option(package_name="newsarchive", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose: bool) -> None:
    """Crawl, clean and archive regional government news."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else settings.LOG_LEVEL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


EXIT_USAGE = 2  # a command that cannot start as asked (click's own code for usage errors)


def _use_source_folders(ctx, param, folders: tuple[str, ...]) -> None:
    """--sources / NEWSARCHIVE_SOURCES: kept in the environment, where the crawl's Scrapy
    settings and the cleaning workers read it as this process does (settings.source_dirs)."""
    if folders:
        os.environ["NEWSARCHIVE_SOURCES"] = os.pathsep.join(folders)


sources_option = click.option(
    "--sources", "source_folders", multiple=True, envvar="NEWSARCHIVE_SOURCES", expose_value=False, is_eager=True,
    type=click.Path(exists=True, file_okay=False), callback=_use_source_folders,
    help="A folder of your own source profiles (*.toml), read beside the built-in ones; repeatable. [env: NEWSARCHIVE_SOURCES]")


def _check_sources(names: tuple[str, ...], command: str = "crawl") -> None:
    """Exit 2 with one line when a named source has no profile (before any crawl starts)."""
    from .sources import load_sources

    known = load_sources()
    unknown = [name for name in names if name not in known]
    if unknown:
        click.echo(f"newsarchive {command}: unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}", err=True)
        sys.exit(EXIT_USAGE)


def _check_clean_function() -> None:
    """Exit 2 with one line when the cleaning function setting names nothing importable."""
    from .workers import named_function

    try:
        named_function(settings.CLEAN_FUNCTION)
    except (ImportError, AttributeError, ValueError) as error:
        click.echo(f"newsarchive: cannot use the cleaning function {settings.CLEAN_FUNCTION!r} "
                   f"(NEWSARCHIVE_CLEAN_FUNCTION): {error}", err=True)
        sys.exit(EXIT_USAGE)


def check_archive(db_path: str, command: str, writing: bool = True) -> None:
    """Exit 1 with one line, before anything runs, when the archive file is not a database,
    is damaged, or (for a command that writes) sits on a read-only folder."""
    from .store.schema import archive_problem, on_writable_folder

    if writing and Path(db_path).exists() and not on_writable_folder(db_path):
        click.echo(f"newsarchive {command}: the archive {db_path} cannot be written: its folder is read-only; "
                   "crawl, reclean and dedupe write to it (serve and sources only read)", err=True)
        sys.exit(1)
    problem = archive_problem(db_path)
    if problem:
        _archive_damaged(db_path, command, problem)


def _archive_damaged(db_path: str, command: str, problem: str) -> None:
    from .store.schema import recovery_hint

    click.echo(f"newsarchive {command}: the archive {db_path} cannot be used ({problem}); {recovery_hint(db_path)}",
               err=True)
    sys.exit(1)


@contextmanager
def writing_to(db_path: str, command: str):
    """Hold the archive's lock for `command`; exit 75 naming the holder when another run
    (a crawl, reclean or dedupe) has it. A damaged archive, or one the disk or filesystem
    will not let `command` write (full, read-only), ends it with one line and exit 1."""
    from .store.lock import EXIT_LOCKED, ArchiveLocked, archive_lock

    check_archive(db_path, command)
    try:
        with archive_lock(db_path, command):
            yield
    except ArchiveLocked as error:
        click.echo(f"newsarchive {command}: {error}", err=True)
        sys.exit(EXIT_LOCKED)
    except sqlite3.DatabaseError as error:  # OperationalError too: disk full, read-only, I/O error
        _archive_damaged(db_path, command, f"{type(error).__name__}: {error}")


def _check_redis(url: str, command: str) -> None:
    """Exit 1 with one line when the Redis of a distributed crawl cannot be reached."""
    import redis

    from .fetch.stream import connect

    try:
        connect(url).ping()
    except (redis.RedisError, ValueError) as error:
        click.echo(f"newsarchive {command}: NOT DONE: the Redis at {url} cannot be reached ({error}); "
                   "start it, or check the URL", err=True)
        sys.exit(1)


def _refuse_real_archive(db_path: str) -> None:
    """Exit 2 when a sample crawl is pointed at an archive that real crawls wrote: replica
    pages would sit under the real sites' URLs, which later real crawls would take for known."""
    from .store.crawl_state import real_crawls

    found = real_crawls(db_path) if Path(db_path).exists() else 0
    if found:
        click.echo(f"newsarchive crawl: refusing to crawl the sample sites into {db_path}: it holds "
                   f"{found} crawls of the real sites; use --db {DEMO_DB} (the default) or another file. "
                   "A demo archive made before replica runs were marked counts as real: delete it (make clean)",
                   err=True)
        sys.exit(EXIT_USAGE)


def display_path(path: Path | str) -> str:
    """A file name as text: names saved on a Chinese Windows machine are GBK bytes, which
    Python keeps as surrogates that no UTF-8 output can carry."""
    raw = os.fsencode(path)
    for charset in ("utf-8", "gb18030"):
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def iter_files(paths: tuple[str, ...], unreadable: list):
    """Files named on the command line, folders expanded in name order; folders that cannot
    be listed go to `unreadable` as (path, reason)."""
    from .reclean import saved_files

    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from saved_files(path, unreadable)
        else:
            yield path


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def clean(paths: tuple[str, ...], as_json: bool) -> None:
    """Clean saved pages (HTML in any charset, or text dumps) without touching the archive."""
    from .clean.article import Article, clean_page
    from .items import RawPage

    cleaned, failed, unreadable = 0, 0, []
    for path in iter_files(paths, unreadable):
        name = display_path(path)
        try:
            article = clean_page(RawPage(path.read_bytes()))
        except Exception as error:  # noqa: BLE001 - every input gets its line, whatever broke
            failed += 1
            logging.getLogger(__name__).error("%s: %s", name, error)
            if as_json:
                click.echo(Article.failure_json(name, error))
            continue
        cleaned += 1
        if as_json:
            click.echo(article.as_json(name))
        else:
            click.echo(f"== {name}\n# {article.title or '(no title)'}  {article.date or ''}  {article.source_name or ''}\n"
                       f"{article.body}\n")
    for folder, reason in unreadable:
        failed += 1
        error = PermissionError(f"cannot list the folder: {reason}")
        logging.getLogger(__name__).error("%s: %s", display_path(folder), error)
        if as_json:
            click.echo(Article.failure_json(display_path(folder), error))
    # The summary goes to stderr: stdout is the articles (one JSON line per input with --json).
    click.echo(f"clean: {cleaned} cleaned, {failed} failed" + (" (see the errors above)" if failed else ""), err=True)
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("sources", nargs=-1)
@sources_option
@click.option("--sample", is_flag=True, help="Crawl the bundled sample sites, served on a free loopback port for the run.")
@click.option("--db", "db_path", help=f"Archive database. [default: {DEFAULT_DB}, env: NEWSARCHIVE_DB; {DEMO_DB} with --sample]")
@click.option("--proxy", envvar="NEWSARCHIVE_REPLICA_PROXY", show_envvar=True,
              help="Fetch every URL through this HTTP proxy (a replica of the sites).")
@click.option("--backfill", is_flag=True, help="Keep paginating lists past pages with nothing new (resumable).")
@click.option("--max-pages", type=click.IntRange(min=1), help="Read at most N list pages per source.")
@click.option("--refresh", is_flag=True, help="Also revisit known articles: changes become revisions, 404/410 marks them gone.")
@click.option("--workers", type=click.IntRange(min=0), envvar="NEWSARCHIVE_WORKERS", show_envvar=True,
              help="Cleaning processes (default: one per core; 0: clean in the crawl's process).")
@click.option("--redis", "redis_url", envvar="NEWSARCHIVE_REDIS_URL", show_envvar=True,
              help="Crawl as a node of a distributed crawl: queue, seen filter and host pacing in this Redis; "
                   "items go to the archive's writer (newsarchive ingest), nothing is written here.")
def crawl(sources: tuple[str, ...], sample: bool, db_path: str | None, proxy: str | None, backfill: bool,
          max_pages: int | None, refresh: bool, workers: int | None, redis_url: str | None) -> None:
    """Crawl the named sources (all enabled ones by default) into the archive, incrementally.

    Exit codes: 0 success; 1 a source is failing (no article links, empty bodies, no dates,
    blocked) or the crawl did not finish; 2 an unknown source or an unusable setting; 75 another
    run (crawl, reclean, dedupe) holds the archive.
    """
    from .fetch.run import run_crawl

    db_path = db_path or (DEMO_DB if sample else DEFAULT_DB)
    _check_sources(sources)
    _check_clean_function()
    if redis_url:  # a crawl node writes no archive, but needs its Redis
        if refresh:
            raise click.UsageError("--refresh is not for crawl nodes: it needs the archive itself; run it where the "
                                   "archive is, without --redis, while no ingest runs")
        _check_redis(redis_url, "crawl")
    else:
        check_archive(db_path, "crawl")
        if sample:
            _refuse_real_archive(db_path)
    code, summary = run_crawl(db_path, list(sources), sample=sample, proxy=proxy, backfill=backfill,
                              refresh=refresh, max_pages=max_pages, workers=workers, redis_url=redis_url)
    click.echo(summary)
    sys.exit(code)


@cli.command()
@sources_option
@click.option("--seeds", "seeds_dir", default=DEFAULT_SEEDS, show_default=True, envvar="NEWSARCHIVE_SEEDS", show_envvar=True,
              help="Folder of saved pages to clean into the archive.")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="Archive database. [env: NEWSARCHIVE_DB]")
@click.option("--workers", type=click.IntRange(min=0), envvar="NEWSARCHIVE_WORKERS", show_envvar=True,
              help="Cleaning processes (default: one per core; 0: clean in this process).")
@click.option("--all", "everything", is_flag=True, help="Also pages the current cleaner already cleaned.")
def reclean(seeds_dir: str, db_path: str, workers: int | None, everything: bool) -> None:
    """Rerun cleaning over seeds/ and the raw pages in the archive (no network).

    Pages the current cleaner (code version + rule table + source profiles) already cleaned
    are skipped, so an interrupted run picks up where it stopped; rows change only where
    the output did.
    """
    from tqdm import tqdm

    from .items import Outcome
    from .reclean import FILES_CHANGED, FILES_READ, UNREADABLE, UNWRITTEN
    from .reclean import reclean as run_reclean
    from .store.schema import open_archive
    from .workers import default_workers, named_function

    _check_clean_function()
    with writing_to(db_path, "reclean"):
        db = open_archive(db_path, bulk=True)
        with tqdm(desc="recleaning", unit="page", file=sys.stderr, mininterval=1.0, disable=None) as bar:
            counts = run_reclean(db, Path(seeds_dir), default_workers() if workers is None else workers, everything,
                                 bar, named_function(settings.CLEAN_FUNCTION))
        db.close()
    failed = counts[Outcome.FAILED] + counts[Outcome.EMPTY]
    added = sum(counts[key] for key in (Outcome.NEW, Outcome.SAME, Outcome.REPRINT, Outcome.REVISED))
    cleaned = sum(counts[outcome] for outcome in Outcome) - failed
    summary = (f"reclean: {cleaned} cleaned, {counts[Outcome.CHANGED]} changed, {counts[Outcome.UNCHANGED]} unchanged, "
               f"{added} newly filed, {failed} failed")
    if counts[FILES_READ]:
        summary += f"; {counts[FILES_READ]} attachments read again, {counts[FILES_CHANGED]} changed"
    if counts[UNWRITTEN] or counts[UNREADABLE]:
        click.echo(f"{summary}; NOT DONE: {counts[UNWRITTEN]} results could not be written to the archive, "
                   f"{counts[UNREADABLE]} seed files or folders could not be read (see the log; rerun reclean "
                   "once fixed: it picks up what is missing)")
        sys.exit(1)
    click.echo(summary)



@cli.command()
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="Archive database. [env: NEWSARCHIVE_DB]")
@click.option("--host", help="Interface to bind (default 127.0.0.1; 0.0.0.0 with --public).")
@click.option("--port", default=8001, show_default=True, envvar="NEWSARCHIVE_PORT", show_envvar=True, help="Port to listen on.")
@click.option("--public", is_flag=True, help="Serve read-only for the world: no arbitrary SQL, bounded queries.")
def serve(db_path: str, host: str | None, port: int, public: bool) -> None:
    """Browse the archive in Datasette (database name: the file name, 'news')."""
    from .publish.serve import serve_archive

    check_archive(db_path, "serve", writing=False)
    serve_archive(db_path, host or ("0.0.0.0" if public else "127.0.0.1"), port, public=public)


@cli.command()
@click.option("--redis", "redis_url", required=True, envvar="NEWSARCHIVE_REDIS_URL", show_envvar=True,
              help="The Redis of the crawl nodes.")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="Archive database. [env: NEWSARCHIVE_DB]")
@click.option("--until-idle", type=float, help="Stop once nothing came for this many seconds (default: run until stopped).")
@click.option("--batch", type=click.IntRange(min=1), default=64, show_default=True, help="Entries filed per transaction.")
def ingest(redis_url: str, db_path: str, until_idle: float | None, batch: int) -> None:
    """File what crawl nodes send (newsarchive crawl --redis) into the archive: the one writer.

    Entries are acknowledged once committed; a stopped writer's unfinished entries are filed
    by the next one. Exit codes: 0 stopped as asked; 1 the archive or Redis failed; 75
    another run holds the archive.
    """
    import redis

    from .fetch.ingest import ingest as run_ingest
    from .fetch.stream import connect
    from .store.schema import open_archive

    _check_redis(redis_url, "ingest")
    with writing_to(db_path, "ingest"):
        db = open_archive(db_path, bulk=True)
        try:
            totals = run_ingest(db, connect(redis_url), until_idle_s=until_idle, batch=batch)
        except redis.RedisError as error:
            click.echo(f"ingest: NOT DONE: Redis at {redis_url} failed ({error}); start it again: "
                       "unfiled entries wait in the stream", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            totals = None
        db.close()
    click.echo("ingest: stopped" if totals is None else
               f"ingest: {totals['items']} items filed, {totals['runs']} node runs recorded")


@cli.command()
@click.option("--port", default=8001, show_default=True, envvar="NEWSARCHIVE_PORT", show_envvar=True, help="Port for Datasette.")
@click.option("--db", "db_path", default=DEMO_DB, show_default=True, help="Archive database (not the real archive).")
@click.option("--seeds", "seeds_dir", help="Folder of saved pages. [default: the seed pages shipped with newsarchive]")
def demo(port: int, db_path: str, seeds_dir: str | None) -> None:
    """Crawl the sample sites, clean seeds/ into the archive, then serve it."""
    from .fetch.run import run_crawl
    from .sample.site import SEEDS_DIR
    from .store.lock import EXIT_LOCKED

    ctx = click.get_current_context()
    seeds_dir = seeds_dir or str(SEEDS_DIR)
    code, summary = run_crawl(db_path, [], sample=True)
    click.echo(summary)
    if code == EXIT_LOCKED:
        sys.exit(code)
    ctx.invoke(reclean, seeds_dir=seeds_dir, db_path=db_path)
    click.echo(f"serving the archive at http://127.0.0.1:{port}/news (Ctrl-C stops)")
    ctx.invoke(serve, db_path=db_path, host="127.0.0.1", port=port, public=False)


@cli.command()
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="Archive database. [env: NEWSARCHIVE_DB]")
@click.option("--rebuild", is_flag=True, required=True, help="Recompute every signature and cluster from the stored bodies.")
@click.option("--workers", type=click.IntRange(min=0), envvar="NEWSARCHIVE_WORKERS", show_envvar=True,
              help="Signing processes (default: one per core; 0: sign in this process).")
def dedupe(db_path: str, rebuild: bool, workers: int | None) -> None:
    """Group reprints: near-duplicate articles into clusters (done as articles arrive;
    `--rebuild` starts over from the stored bodies, e.g. after changing the parameters)."""
    from tqdm import tqdm

    from .dedupe.rebuild import rebuild as rebuild_clusters
    from .store.schema import open_archive
    from .workers import default_workers

    with writing_to(db_path, "dedupe"):
        db = open_archive(db_path, bulk=True)
        total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        with tqdm(total=total, desc="clustering", unit="article", file=sys.stderr, mininterval=1.0, disable=None) as bar:
            found = rebuild_clusters(db, bar.update, default_workers() if workers is None else workers)
        clusters = db.execute("SELECT count(*) FROM clusters").fetchone()[0]
        db.close()
    click.echo(f"dedupe: {total} articles in {clusters} clusters; {found} stories with more than one copy")


@cli.command()
@click.option("--warc", "warc_path", required=True, type=click.Path(dir_okay=False),
              help="The WARC file to write (gzip per record, e.g. news.warc.gz).")
@click.option("--cdx", "cdx_path", type=click.Path(dir_okay=False),
              help="Also write the export's CDXJ index (sorted, as pywb and other replay tools read it).")
@click.option("--since", help="Only pages fetched on or after this date (YYYY-MM-DD, China time).")
@click.option("--source", "source_names", multiple=True, help="Only pages (and attachments) of this source (repeatable).")
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, help="Archive database. [env: NEWSARCHIVE_DB]")
def export(warc_path: str, cdx_path: str | None, since: str | None, source_names: tuple[str, ...], db_path: str) -> None:
    """Write the archive's fetched pages and attachments as WARC/1.1 request and response
    records (pages stored before full capture as reconstructed responses), for replay tools
    such as pywb."""
    from tqdm import tqdm

    from cdxj_indexer.main import write_cdx_index

    from .publish.warc import count_pages, pages_to_export, write_warc
    from .store.schema import read_only

    if not Path(db_path).exists():
        raise click.UsageError(f"no archive at {db_path}")
    check_archive(db_path, "export", writing=False)
    target = Path(warc_path)
    partial_file = target.with_name(target.name + ".part")  # renamed when complete: never half a WARC under its name
    db = read_only(db_path)
    try:
        total = count_pages(db, since, source_names)
        with partial_file.open("wb") as stream, tqdm(total=total, desc="exporting", unit="page", file=sys.stderr,
                                                      mininterval=1.0, disable=None) as bar:
            counts = write_warc(stream, _counted(pages_to_export(db, since, source_names), bar), target.name)
        partial_file.replace(target)
        if cdx_path:
            write_cdx_index(cdx_path, [str(target)], {"sort": True})
    except OSError as error:
        partial_file.unlink(missing_ok=True)
        click.echo(f"newsarchive export: NOT DONE: {target} could not be written ({error}); "
                   "check the folder and the free space", err=True)
        sys.exit(1)
    finally:
        db.close()
    index = f", index {cdx_path}" if cdx_path else ""
    click.echo(f"export: {counts['pages']} pages and {counts['attachments']} attachments "
               f"({counts['reconstructed']} reconstructed from before full capture) "
               f"to {target} ({target.stat().st_size / 1e6:.1f} MB){index}")


def _counted(items, bar):
    for item in items:
        yield item
        bar.update()


@cli.command()
@sources_option
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
              help="Archive database (for the last run's status). [env: NEWSARCHIVE_DB]")
def sources(db_path: str) -> None:
    """List the configured sources and how each fared in the last crawl."""
    from .sources import load_sources
    from .store.crawl_state import last_run_status

    check_archive(db_path, "sources", writing=False)
    status = last_run_status(db_path) if Path(db_path).exists() else {}
    for source in load_sources().values():
        state = "enabled" if source.enabled else "disabled"
        click.echo(f"{source.name:16} {state:8} {status.get(source.name, 'never crawled'):13} {source.site:26} {source.title}")


@cli.command()
@click.argument("source")
@sources_option
@click.option("--page", "saved_page", type=click.Path(exists=True, dir_okay=False),
              help="A saved page of the source, read offline: its links as a list page, its fields as an article.")
@click.option("--url", help="The list page to fetch (or the saved page's address). [default: the first start URL]")
@click.option("--proxy", envvar="NEWSARCHIVE_REPLICA_PROXY", show_envvar=True,
              help="Fetch through this HTTP proxy (a replica of the site).")
def check(source: str, saved_page: str | None, url: str | None, proxy: str | None) -> None:
    """Try a source profile: the article and list links it finds on a list page, and the
    fields the cleaner takes from the first article (fetched politely; nothing is archived).

    Exit codes: 0 the profile finds articles and the article has a title and a body; 1 it
    does not (the last line says what is missing); 2 an unknown source or a bad profile.
    """
    from .sources import load_sources

    _check_sources((source,), "check")
    profile = load_sources()[source]
    if saved_page:
        from .fetch.check import check_saved_page

        report = check_saved_page(profile, Path(saved_page).read_bytes(), url)
    else:
        from .fetch.check import check_live

        report = check_live(profile, url, proxy)
    _print_check(report)


def _print_check(report) -> None:
    if report.list_url is not None:
        click.echo(f"list page {report.list_url}")
        for kind, links in (("article links", report.articles), ("list links", report.lists)):
            click.echo(f"  {kind}: {len(links)}")
            for link in links[:20]:
                click.echo(f"    {link}")
            if len(links) > 20:
                click.echo(f"    … and {len(links) - 20} more")
    article = report.article
    if article is not None:
        click.echo(f"article {report.article_url}")
        for name, value in (("title", article.title), ("date", article.date), ("来源", article.source_name),
                            ("author", article.author), ("editor", article.editor)):
            click.echo(f"  {name}: {value or '-'}")
        click.echo(f"  body: {len(article.body or '')} characters: {(article.body or '')[:160].replace(chr(10), ' / ')}")
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo(_check_verdict(report))
    sys.exit(0 if _check_verdict(report).startswith("check: ok") else 1)


def _check_verdict(report) -> str:
    """One line: what was found, or what is missing and what to change."""
    article = report.article
    if report.problems and not report.articles and article is None:
        return f"check: NOT OK: nothing could be read ({report.problems[0]}); check the URL, the proxy or the network"
    missing = []
    if report.list_url is not None and not report.articles:
        missing.append("no article links on the list page (the article_pattern matches none of its links)")
    if report.article_url is not None and (report.articles or report.list_url is None) and not (
            article and article.title and article.body):
        missing.append("no title or body in the article (check the title/body selectors)")
    if missing:
        return f"check: NOT OK: {'; '.join(missing)}; each family's defaults are in crawler/sources/families.toml"
    found = [f"{len(report.articles)} article links, {len(report.lists)} list links"] if report.list_url else []
    if article is not None:
        found.append(f"the article has a title, date {article.date or 'none'} and {len(article.body)} characters of body")
    return "check: ok: " + "; ".join(found)
