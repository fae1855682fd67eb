"""The one cleaning path: raw page bytes → Article. Shared by crawl, `clean` and `reclean`."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .boilerplate import paired_fields, read_lines
from .decode import decode
from .extract import extract_html
from .normalize import (
    canonical_url,
    collapse_spaces,
    detect_script,
    halfwidth,
    iso_date,
    join_names,
    to_simplified,
)
from .reprints import body_hash, signature
from .search import bigrams
from .rules import NOT_CAPTIONS, NOT_NAMES, date_in_url, match_line

# Longer page lines are prose, never a date/来源/editor line: the page scan skips them.
META_LINE_MAX = 120
# A body with fewer letters/Han characters than this is debris, not an article.
MIN_BODY_CHARS = 10
_WORD = re.compile(r"[^\W_]")

# Bump when the cleaning code's output changes. The version recorded with every article and
# page adds a digest of the data that steers cleaning (the rule table and source profiles),
# so editing a rule is enough for `reclean` to know which pages an older cleaner made.
CODE_VERSION = "2026.12.02.1"


def _data_digest() -> str:
    here = Path(__file__).parent
    files = [here / "rules.toml", *sorted((here / "sources").glob("*.toml"))]
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:8]


CLEANER_VERSION = f"{CODE_VERSION}+{_data_digest()}"


@dataclass
class RawPage:
    """A fetched response or a saved file, as bytes, with what is known about it."""

    body: bytes
    url: str | None = None
    content_type: str | None = None
    selectors: dict | None = None  # a source profile's optional overrides
    charset_hint: str | None = None  # a source profile's charset, for pages that declare none

    @property
    def is_html(self) -> bool:
        if self.content_type and "html" in self.content_type.lower():
            return True
        head = self.body[:2048].lower()
        return b"<html" in head or b"<!doctype html" in head or b"<body" in head


@dataclass
class Article:
    title: str | None = None
    subtitle: str | None = None
    original_title: str | None = None
    date: str | None = None
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    body: str = ""
    body_original: str | None = None
    captions: list[str] = field(default_factory=list)
    script: str = "zh-Hans"
    url: str | None = None
    charset: str | None = None

    def as_json(self, path: str) -> str:
        """The `clean --json` line (DESIGN.md): one object per input file."""
        fields = {key: value for key, value in asdict(self).items() if key not in ("url", "charset")}
        return json.dumps({"path": path, **fields, "error": None}, ensure_ascii=False)

    @staticmethod
    def failure_json(path: str, error: Exception) -> str:
        """The line for a file that could not be cleaned: same keys, values null."""
        fields = {key: None for key in asdict(Article()) if key not in ("url", "charset")}
        return json.dumps({"path": path, **fields, "error": f"{type(error).__name__}: {error}"}, ensure_ascii=False)


class EmptyArticle(ValueError):
    """Cleaning left no body text."""


@dataclass
class Cleaned:
    """What cleaning one page gave: an article, or why not (picklable, for worker processes)."""

    article: Article | None = None
    error: str | None = None  # "ExceptionType: message"
    empty: bool = False  # the page held no article text (EmptyArticle)
    prepared: dict | None = None  # prepare_for_archive(article), computed where the cleaning ran


def clean_safely(page: RawPage, more_pages: list[RawPage] = ()) -> Cleaned:
    """clean_page() that never raises: a bad page is a result, not a crash of the caller.
    It also does the CPU work of filing the article (prepare_for_archive), so that it happens
    in the cleaning worker rather than in the archive's single writer."""
    try:
        article = clean_page(page, more_pages)
    except Exception as error:  # noqa: BLE001 - every page gets an outcome
        return Cleaned(error=f"{type(error).__name__}: {error}", empty=isinstance(error, EmptyArticle))
    return Cleaned(article, prepared=prepare_for_archive(article))


def prepare_for_archive(article: Article) -> dict:
    """What filing an article computes without the database: its exact-duplicate key, its
    reprint signature and its search-index terms (archive.article_record, insert_article and
    update_article take them)."""
    return {"body_hash": body_hash(article.body), "signature": signature(article.body).tobytes(),
            "title_terms": bigrams(article.title or ""), "body_terms": bigrams(article.body or "")}


def clean_page(page: RawPage, more_pages: list[RawPage] = ()) -> Article:
    """Decode, extract, apply the rule table and normalize one page (plus, for an article
    split over several pages, the body text of the further pages)."""
    text, charset = decode(page.body, page.content_type, html=page.is_html, hint=page.charset_hint)
    if page.is_html:
        parts = extract_html(text, page.url, page.selectors)
        for extra in more_pages:
            extra_text, _ = decode(extra.body, extra.content_type, hint=extra.charset_hint)
            parts.lines += extract_html(extra_text, extra.url, extra.selectors).lines
        known = {name: _field(name, value) for name, value in parts.fields.items()}
        originals = [halfwidth(line) for line in parts.lines]
        hints = frozenset(hint for hint in map(to_simplified, map(halfwidth, parts.caption_hints))
                          if not NOT_CAPTIONS.match(hint))
    else:
        parts, known, hints = None, {}, frozenset()
        originals = halfwidth(text).splitlines()
    script = detect_script("".join(originals))
    keys = _simplified_lines(originals) if script == "zh-Hant" else originals
    reading = read_lines(originals, keys, title=known.get("title"), caption_hints=hints, dump=parts is None)
    if parts is not None:
        _fill_from_page(reading, known, parts)
    body = "\n".join(line.key for line in reading.body)
    if len(_WORD.findall(body)) < MIN_BODY_CHARS:
        raise EmptyArticle(f"no article text left after cleaning ({len(body)} characters)")
    original = "\n".join(collapse_spaces(line.original) for line in reading.body)
    date_candidates = [known.get("date"), *reading.fields.get("date", []),
                       date_in_url(page.url) if page.url else None, known.get("late_date")]
    date = next((parsed for parsed in map(iso_date, date_candidates) if parsed), None)
    if date is None and parts is not None:
        date = iso_date(parts.markup_date())
    authors = reading.fields.get("author", []) or [_person(known.get("late_author"))]
    return Article(
        title=known.get("title") or reading.first("title"),
        subtitle=known.get("subtitle") or reading.first("subtitle"),
        original_title=reading.first("original_title"),
        date=date,
        source=known.get("source") or reading.first("source"),
        author=join_names([known.get("author")] + authors, separator=" ", not_names=NOT_NAMES),
        editor=join_names([known.get("editor")] + reading.fields.get("editor", []), not_names=NOT_NAMES),
        body=body,
        body_original=original if original != body else None,
        captions=[line.key for line in reading.captions],
        script=script,
        url=canonical_url(page.url) if page.url else None,
        charset=charset,
    )


def _simplified_lines(lines: list[str]) -> list[str]:
    """Convert all lines in one call; OpenCC never merges across a newline."""
    converted = to_simplified("\n".join(lines)).split("\n")
    return converted if len(converted) == len(lines) else [to_simplified(line) for line in lines]


def _field(name: str, value: str) -> str | None:
    """A metadata value from markup, halfwidth and simplified; when the rule table knows
    the text ('(责编:X)', '来源: Y'), the field it captures, else the text itself."""
    key = collapse_spaces(to_simplified(halfwidth(value)))
    hit = match_line(key)
    if hit and hit[1].get(name):
        return hit[1][name]
    return key or None


def _person(value: str | None) -> str | None:
    """A meta-tag author worth keeping: a short name in Han characters, not a CMS user id."""
    return value if value and len(value) <= 20 and re.search(r"[\u4e00-\u9fff]", value) else None


def _fill_from_page(reading, known: dict, parts) -> None:
    """Fields printed outside the body (people.com.cn's date line, an editor under the
    article) come from the rule table run over the whole page, when still missing."""
    wanted = [name for name in ("date", "source", "editor", "author") if not known.get(name) and not reading.first(name)]
    if not wanted:
        return
    # Metadata lines are short; prose is not, and is left unconverted (OpenCC costs ~3 ms
    # per 1,000 characters, and a portal page carries thousands in menus and link lists).
    lines = [to_simplified(line) if len(line) <= META_LINE_MAX else line
             for line in halfwidth("\n".join(parts.page_lines())).split("\n")]
    short = [line for line in lines if len(line) <= META_LINE_MAX]
    page = read_lines(short, short)
    paired = paired_fields([collapse_spaces(line) for line in lines if line.strip()], reading.first("title"))
    for name in wanted:
        if page.first(name):
            reading.fields[name] = page.fields[name]
        elif paired.get(name):
            reading.fields[name] = [paired[name]]
