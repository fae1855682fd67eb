"""From page bytes to archive rows: the one path that crawl and reclean share.

    prepare(page)              in a worker process: clean (clean/) and compute what filing
                               needs without the database (ArchiveKeys)
    archive_fetched(db, …)     crawl: keep the fetched page (store/pages.py), then file_page
    file_page(db, …)           crawl and reclean: an errors row or the article (dedupe/exact.py
                               → store/articles.py, which indexes and clusters it), the
                               page's charset, its article link and cleaner, all decided here
    prepare_attachment(file)   in a worker process: a linked file's kind and text
    file_attachment(db, …)     crawl: keep the file once (store/attachments.py), link it to
                               its page; a bad file gets an errors row
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from .clean.article import Article, EmptyArticle, clean_page, cleaner_version
from .clean.attachments import (EXTRACTOR_VERSION, FAILED, AttachmentText, attachment_name, link_extension,
                                read_attachment)
from .clean.normalize import canonical_url
from .dedupe.clusters import recount_cluster_of
from .dedupe.exact import find_copy
from .items import AttachmentFile, FetchError, ListPageItem, Outcome, RawPage
from .sources import load_sources
from .store.articles import (
    ArchiveKeys,
    add_revision,
    article_record,
    insert_article,
    record_url,
    touch_article,
    update_article,
)
from .store.attachments import link_attachment, store_attachment
from .store.crawl_state import add_to_frontier, leave_frontier, mark_gone, record_error, touch_url
from .store.pages import PageRef, note_cleaned, store_page
from .store.rows import get_row, transaction

logger = logging.getLogger(__name__)

CRASHED = "WorkerCrashed: the cleaning process died on this page"


@dataclass
class Cleaned:
    """What cleaning one page gave: an article and its keys, or why not; for an attachment,
    its name and what reading it gave (picklable, it comes back from a worker process)."""

    article: Article | None = None
    keys: ArchiveKeys | None = None
    error: str | None = None  # "ExceptionType: message"
    empty: bool = False  # the page held no article text (EmptyArticle)
    name: str | None = None  # an attachment's file name
    read: AttachmentText | None = None  # an attachment's kind and text


@dataclass
class Filed:
    """What filing a page did; `undated`: its article has no date (a template change can
    cause that)."""

    outcome: Outcome
    undated: bool = False


@lru_cache(maxsize=1)
def _profiles() -> dict:
    return load_sources()


def prepare(page: RawPage) -> Cleaned:
    """Clean a page with its source profile; never raises: a bad page is a result, not a
    crash of the caller."""
    try:
        article = clean_page(page, _profiles().get(page.source))
    except Exception as error:  # noqa: BLE001 - every page gets an outcome
        return Cleaned(error=f"{type(error).__name__}: {error}", empty=isinstance(error, EmptyArticle))
    return Cleaned(article, ArchiveKeys.of(article.title, article.body))


def prepare_attachment(file: AttachmentFile) -> Cleaned:
    """Name and read a fetched file; never raises."""
    read = read_attachment(file.body, link_extension(file.url, file.label), file.content_type)
    return Cleaned(name=attachment_name(file.url, file.label, file.headers.get("content-disposition"), read.kind),
                   read=read)


def worker_job(item, clean) -> tuple[str, object] | None:
    """What a crawl item needs done in a worker process before it is filed — (label,
    function) — or None: a page is cleaned with `clean`, an attachment read."""
    if isinstance(item, RawPage) and item.status != 304:
        return f"cleaning {item.url}", clean
    if isinstance(item, AttachmentFile):
        return f"reading attachment {item.url}", prepare_attachment
    return None


def crashed(label: str) -> Cleaned:
    """The result of a page (or attachment) whose cleaning killed its worker process
    (workers.WorkerPool)."""
    return Cleaned(error=CRASHED)


FAILURE_COUNTS = {"gone": "gone", "blocked": "blocked", "list": "list_errors",  # FetchError.kind → count
                  "attachment": "attachment_errors"}


def file_fetched(db, item, cleaned: Cleaned | None = None) -> dict:
    """File one thing a crawl produced — a page with what cleaning it gave, a page unchanged
    since the last visit (304), a list page's report, a fetch failure — and return its
    outcome counts; and a linked file with what reading it gave. The one filing step of
    the crawl's own writer and of `ingest` (the writer of crawl nodes)."""
    if isinstance(item, RawPage) and item.status == 304:
        touch_url(db, item.url)
        return {Outcome.UNCHANGED: 1}
    if isinstance(item, RawPage):
        filed = archive_fetched(db, item, cleaned)
        leave_frontier(db, item.found_as or item.url)
        return {filed.outcome: 1, **({"undated": 1} if filed.undated else {})}
    if isinstance(item, AttachmentFile):
        return file_attachment(db, item, cleaned)
    if isinstance(item, ListPageItem):
        if item.new_urls:
            add_to_frontier(db, item.new_urls, item.source)
        return {"list_pages": 1, "list_unchanged": int(item.status == 304),
                "article_links": item.article_links, "new_links": len(item.new_urls)}
    if isinstance(item, FetchError):
        if item.kind == "gone":
            mark_gone(db, item.url)
        record_error(db, item.url, item.source, item.kind, item.error)
        leave_frontier(db, item.found_as or item.url)
        return {FAILURE_COUNTS.get(item.kind, Outcome.FAILED): 1}
    raise TypeError(f"not a crawl item: {type(item).__name__}")


def file_attachment(db, file: AttachmentFile, cleaned: Cleaned) -> dict:
    """Keep a fetched file and link it to its page. A file that could not be read is kept
    with the reason (an errors row says it); an HTML page served under the file's name is
    not the file: only the errors row."""
    read = cleaned.read or AttachmentText("unknown", None, FAILED, cleaned.error)  # its worker died
    with transaction(db):
        if read.kind == "html":
            error = f"an HTML page came instead of the file ({file.content_type or 'no Content-Type'}): not kept"
            logger.error("attachment %s of %s: %s", file.url, file.page_url, error)
            record_error(db, file.url, file.source, "attachment", error)
            return {"attachment_errors": 1}
        attachment_id = store_attachment(db, file, cleaned.name or attachment_name(file.url, file.label),
                                         read, EXTRACTOR_VERSION)
        link_attachment(db, file, attachment_id)
        if read.status != FAILED:
            return {"attachments": 1}
        logger.error("attachment %s of %s: %s", file.url, file.page_url, read.problem)
        record_error(db, file.url, file.source, "attachment", read.problem, again=False)
        return {"attachments": 1, "attachment_errors": 1}


def list_record(item: ListPageItem) -> dict:
    """A list page's row in `list_pages`, saved once its run finished (its validators make
    the next run's request conditional)."""
    record = {"url": item.url, "source": item.source, "status": item.status}
    if item.status != 304:  # not modified: keep the validators and counts of the last read
        record.update(etag=item.etag, last_modified=item.last_modified, article_links=item.article_links,
                      new_links=len(item.new_urls))
    return record


def archive_fetched(db, page: RawPage, cleaned: Cleaned) -> Filed:
    """Keep a fetched page (and the further pages of a split article), then file it."""
    canonical = canonical_url(page.url)
    with transaction(db):
        page_id = store_page(db, page, canonical)
        for number, part in enumerate(page.parts, 1):
            store_page(db, part, canonical_url(part.url), part_of=page_id, part=number)
        return file_page(db, PageRef(page_id, page.url, canonical, page.source), cleaned)


def file_page(db, page: PageRef, cleaned: Cleaned, article_id: int | None = None) -> Filed:
    """File what cleaning a stored page gave. A page that gave nothing gets an errors row (so
    does one whose bytes were partly undecodable, filed all the same);
    a page without an article is deduped against the archive (new, same, reprint, revised);
    the article a page gave before (reclean) is rewritten in place only if it changed."""
    with transaction(db):
        article, new_article = cleaned.article, None
        if article is None:
            outcome = Outcome.EMPTY if cleaned.empty else Outcome.FAILED
            logger.error("cleaning %s failed: %s", page.url, cleaned.error)
            record_error(db, page.url, page.source, "clean", cleaned.error, again=False)
        else:
            if article.replaced:
                record_error(db, page.url, page.source, "decode", f"{article.replaced} undecodable character(s) replaced "
                             f"reading it as {article.charset}; the raw page is kept", again=False)
            record = article_record(article, page.source, cleaned.keys, cleaner_version(page.source))
            if article_id is None:
                outcome, new_article = file_article(db, page, record, cleaned.keys)
            else:
                outcome = _rewrite(db, article_id, record, cleaned.keys)
        note_cleaned(db, page, cleaner_version(page.source), outcome, new_article, article.charset if article else None)
    return Filed(outcome, undated=article is not None and article.date is None)


def file_article(db, page: PageRef, record: dict, keys: ArchiveKeys) -> tuple[Outcome, int]:
    """Dedupe an article cleaned from `page` against the archive and write it: a new row, a
    revision of the article at its URL, or one more sighting of the same body; its URL is
    recorded either way."""
    outcome, article_id = find_copy(db, keys.body_hash, page.canonical_url)
    if outcome is Outcome.NEW:
        site = urlsplit(page.canonical_url).hostname  # None for a seed: the seeds folder is no site
        article_id = insert_article(db, record, keys, page.canonical_url, site, page.id)
    elif outcome is Outcome.REVISED:
        add_revision(db, article_id, record, keys, page.id)
    else:
        touch_article(db, article_id, record)
    record_url(db, article_id, page.url, page.canonical_url)
    if outcome is Outcome.REPRINT:  # the same body on another site: its story's site count changes
        recount_cluster_of(db, article_id)
    return outcome, article_id


def _rewrite(db, article_id: int, record: dict, keys: ArchiveKeys) -> Outcome:
    current = get_row(db, "articles", article_id)
    if record["body_original"] is None and current["body_original"] and record["body"] == current["body"]:
        # the Traditional original came from a mirror of the page recleaned here: keep it
        record = {**record, "body_original": current["body_original"], "script": current["script"]}
    if all(current[key] == value for key, value in record.items() if key != "cleaner_version"):
        return Outcome.UNCHANGED
    update_article(db, article_id, record, keys)
    return Outcome.CHANGED
