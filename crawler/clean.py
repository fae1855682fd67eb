"""The one cleaning path: raw page bytes → Article. Shared by crawl, `clean` and `reclean`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .boilerplate import read_lines
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

# Bump when cleaning output changes, so `reclean` knows which rows an older cleaner made.
CLEANER_VERSION = "2026.11.22.1"


@dataclass
class RawPage:
    """A fetched response or a saved file, as bytes, with what is known about it."""

    body: bytes
    url: str | None = None
    content_type: str | None = None
    selectors: dict | None = None  # a source profile's optional overrides

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


def clean_page(page: RawPage) -> Article:
    """Decode, extract, apply the rule table and normalize one page."""
    text, charset = decode(page.body, page.content_type, html=page.is_html)
    if page.is_html:
        parts = extract_html(text, page.url, page.selectors)
        known = parts.fields
        originals = [halfwidth(line) for line in parts.lines]
        hints = frozenset(to_simplified(halfwidth(hint)) for hint in parts.caption_hints)
        dump = False
    else:
        known, hints, dump = {}, frozenset(), True
        originals = halfwidth(text).splitlines()
    script = detect_script("".join(originals))
    keys = _simplified_lines(originals) if script == "zh-Hant" else originals
    title = _field(known.get("title"))
    reading = read_lines(originals, keys, title=title, caption_hints=hints, dump=dump)
    if page.is_html and not known.get("date"):
        _fill_from_header(reading, parts.header_lines)
    body = "\n".join(line.key for line in reading.body)
    if not body:
        raise EmptyArticle("no article text left after cleaning")
    original = "\n".join(collapse_spaces(line.original) for line in reading.body)
    return Article(
        title=title or reading.first("title"),
        subtitle=reading.first("subtitle"),
        original_title=reading.first("original_title"),
        date=iso_date(known.get("date") or reading.first("date")),
        source=_field(known.get("source")) or reading.first("source"),
        author=join_names([_field(known.get("author"))] + reading.fields.get("author", [])),
        editor=join_names([_field(known.get("editor"))] + reading.fields.get("editor", [])),
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


def _field(value: str | None) -> str | None:
    """A metadata value from markup: halfwidth, simplified, labels like '来源:' removed."""
    if not value:
        return None
    value = collapse_spaces(to_simplified(halfwidth(value)))
    for label in ("来源:", "作者:", "编辑:", "责任编辑:", "责编:"):
        if value.startswith(label):
            value = value[len(label):].strip()
    return value or None


def _fill_from_header(reading, header_lines: list[str]) -> None:
    """Date and 来源 printed outside the body (people.com.cn's box01, CRI's list-brief)."""
    lines = [to_simplified(halfwidth(line)) for line in header_lines]
    header = read_lines(lines, lines)
    for name in ("date", "source", "editor"):
        if name not in reading.fields and header.fields.get(name):
            reading.fields[name] = header.fields[name]
