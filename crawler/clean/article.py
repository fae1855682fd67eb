"""The one cleaning path: raw page bytes → Article. Shared by crawl, `clean` and `reclean`.

Pure: no archive, no network, no Scrapy. `clean_page` raises on a page it cannot clean;
flow.prepare turns that into a result.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..sources import load_sources
from .decode import decode
from .extract import extract_html
from .lines import paired_fields, read_lines
from .markup import is_html
from .normalize import (
    collapse_spaces,
    detect_script,
    halfwidth,
    iso_date,
    join_names,
    to_simplified,
)
from .headline import TITLE_SEPARATORS
from .rules import NOT_CAPTIONS, NOT_NAMES, OUTLET_NAME, date_in_url, match_line

if TYPE_CHECKING:
    from ..items import RawPage
    from ..sources import Source

# Longer page lines are prose, never a date/来源/editor line: the page scan skips them.
META_LINE_MAX = 120
# A body with fewer letters/Han characters than this is debris, not an article.
MIN_BODY_CHARS = 10
_WORD = re.compile(r"[^\W_]")

# Bump when the cleaning code's output changes. The version recorded with every article and
# page adds digests of the data that steers cleaning (cleaner_version), so editing a rule or
# a profile's selectors is enough for `reclean` to know which pages an older cleaner made.
CODE_VERSION = "2026.12.03.4"
RULES_DIGEST = hashlib.sha256(Path(__file__).with_name("rules.toml").read_bytes()).hexdigest()[:8]


@lru_cache(maxsize=None)
def cleaner_version(source: str | None = None) -> str:
    """The cleaner that cleans a page of `source`: the code, the rule table and what of the
    source's own profile steers cleaning (selectors, charset). Adding or editing one profile
    re-cleans that source's pages only; its URL patterns and delays re-clean nothing."""
    version = f"{CODE_VERSION}+{RULES_DIGEST}"
    profile = load_sources().get(source) if source else None
    if profile is None:
        return version
    steering = json.dumps({"selectors": profile.selectors, "charset": profile.charset}, sort_keys=True)
    return f"{version}+{hashlib.sha256(steering.encode()).hexdigest()[:6]}"


@dataclass
class Article:
    """A cleaned article. `source_name` is the 来源 the page names (the profile a page was
    fetched for is its `source`, kept with the page)."""

    title: str | None = None
    subtitle: str | None = None
    original_title: str | None = None
    date: str | None = None
    source_name: str | None = None
    author: str | None = None
    editor: str | None = None
    body: str = ""
    body_original: str | None = None
    captions: list[str] = field(default_factory=list)
    script: str = "zh-Hans"
    charset: str | None = None  # what the page's bytes were read as
    replaced: int = 0  # characters no charset could read, replaced by U+FFFD

    def as_json(self, path: str) -> str:
        """The `clean --json` line: one object per input file (来源 under the key `source`)."""
        return json.dumps({"path": path, **_json_fields(asdict(self)), "error": None}, ensure_ascii=False)

    @staticmethod
    def failure_json(path: str, error: Exception) -> str:
        """The line for a file that could not be cleaned: same keys, values null."""
        fields = {key: None for key in _json_fields(asdict(Article()))}
        return json.dumps({"path": path, **fields, "error": f"{type(error).__name__}: {error}"}, ensure_ascii=False)


def _json_fields(fields: dict) -> dict:
    return {("source" if key == "source_name" else key): value for key, value in fields.items()
            if key not in ("charset", "replaced")}


class EmptyArticle(ValueError):
    """Cleaning left no body text."""


def clean_page(page: RawPage, profile: Source | None = None) -> Article:
    """Decode, extract, apply the rule table and normalize one page (plus, for an article
    split over several pages, the body text of the further pages); `profile`: the page's
    source profile, whose selectors and charset steer extraction."""
    selectors, hint = (profile.selectors, profile.charset) if profile else (None, None)
    url = page.web_url
    html = is_html(page.body, page.content_type)
    text, charset = decoded = decode(page.body, page.content_type, html=html, hint=hint)
    if html:
        extracted = extract_html(text, url, selectors)
        for further in page.parts:
            further_text, _ = decode(further.body, further.content_type, hint=hint)
            extracted.lines += extract_html(further_text, further.web_url, selectors).lines
        known = {name: _field(name, value) for name, value in extracted.fields.items()}
        originals = [halfwidth(line) for line in extracted.lines]
        captions = frozenset(caption for caption in map(to_simplified, map(halfwidth, extracted.caption_hints))
                             if not NOT_CAPTIONS.match(caption))
    else:
        extracted, known, captions = None, {}, frozenset()
        originals = halfwidth(text).splitlines()
    script = detect_script("".join(originals))
    keys = _simplified_lines(originals) if script == "zh-Hant" else originals
    reading = read_lines(originals, keys, title=known.get("title"), caption_hints=captions, dump=extracted is None)
    if extracted is not None:
        _fill_from_page(reading, known, extracted, script)
    body = "\n".join(line.key for line in reading.body)
    if len(_WORD.findall(body)) < MIN_BODY_CHARS:
        raise EmptyArticle(f"no article text left after cleaning ({len(body)} characters)")
    original = "\n".join(collapse_spaces(line.original) for line in reading.body)
    if url is None and extracted is not None:
        url = extracted.page_url()
    date_candidates = [known.get("date"), *reading.fields.get("date", []),
                       date_in_url(url) if url else None, known.get("late_date")]
    date = next((parsed for parsed in map(iso_date, date_candidates) if parsed), None)
    if date is None and extracted is not None:
        date = iso_date(extracted.markup_date(url))
    authors = reading.fields.get("author", []) or [_person(known.get("late_author"), extracted)]
    return Article(
        title=known.get("title") or reading.first("title"),
        subtitle=known.get("subtitle") or reading.first("subtitle"),
        original_title=reading.first("original_title"),
        date=date,
        source_name=known.get("source") or reading.first("source"),
        author=join_names([known.get("author")] + authors, separator=" ", not_names=NOT_NAMES),
        editor=join_names([known.get("editor")] + reading.fields.get("editor", []), not_names=NOT_NAMES),
        body=body,
        body_original=original if original != body else None,
        captions=[line.key for line in reading.captions],
        script=script,
        charset=charset,
        replaced=decoded.replaced,
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


def _person(value: str | None, extracted) -> str | None:
    """A meta-tag author worth keeping: a short name in Han characters, not a CMS user id,
    not the outlet or platform ('国际在线', '网易' on a page titled '…_网易新闻')."""
    if not value or len(value) > 20 or not re.search(r"[\u4e00-\u9fff]", value) or OUTLET_NAME.search(value):
        return None
    site = TITLE_SEPARATORS.split(extracted.page_title())[-1] if extracted is not None else ""
    return None if value in site else value


def _fill_from_page(reading, known: dict, extracted, script: str) -> None:
    """Fields printed outside the body (people.com.cn's date line, an editor under the
    article) come from the rule table run over the page, when still missing: a date or 来源
    only from above the article (under it, related lists print 'outlet date' on every item),
    names from anywhere (an editor box may sit in a sidebar after the related lists). Then a
    name from an element named as the field ('span.author'), then values printed on two lines
    (unless another field took the value), then a 来源 from an element named 'source'."""
    wanted = [name for name in ("date", "source", "editor", "author") if not known.get(name) and not reading.first(name)]
    if not wanted:
        return
    lines = [line for line in halfwidth("\n".join(extracted.page_lines())).split("\n") if line.strip()]
    if script == "zh-Hant":
        # Metadata lines are short; prose is not, and is left unconverted (OpenCC costs ~3 ms
        # per 1,000 characters, and a portal page carries thousands in menus and link lists).
        short = [index for index, line in enumerate(lines) if len(line) <= META_LINE_MAX]
        for index, line in zip(short, _simplified_lines([lines[index] for index in short])):
            lines[index] = line
    start = _article_start(lines, reading)
    above = [line for line in lines[:start] if len(line) <= META_LINE_MAX]
    below = [line for line in lines[start:] if len(line) <= META_LINE_MAX]
    header, after = read_lines(above, above, trailers=False), read_lines(below, below, trailers=False)
    named = extracted.named()
    paired = paired_fields([collapse_spaces(line) for line in lines if line.strip()], reading.first("title"))
    for name in wanted:
        found = header.fields.get(name) or (after.fields.get(name) if name in ("editor", "author") else None)
        if found:
            reading.fields[name] = found
        elif name in ("author", "editor") and name in named:
            reading.fields[name] = [_field(name, named[name])]
    taken = {value for name in ("source", "author", "editor") for value in reading.fields.get(name, [])}
    for name in wanted:
        if not reading.fields.get(name) and paired.get(name) and paired[name] not in taken:
            reading.fields[name] = [paired[name]]
    if "source" in wanted and not reading.fields.get("source") and "source" in named:
        reading.fields["source"] = [_field("source", named["source"])]


def _article_start(lines: list[str], reading) -> int:
    """Index of the page line where the article's body begins (the end when not found)."""
    first = next(({collapse_spaces(line.original), line.key} for line in reading.body), set())
    return next((index for index, line in enumerate(lines) if collapse_spaces(line) in first), len(lines))
