"""Normalize text and metadata: script, punctuation, whitespace, dates and URLs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import courlan
import opencc

from .rules import URL_REWRITES, without_staff_code

CHINA_TZ = timezone(timedelta(hours=8))

# Fullwidth ASCII forms (U+FF01–FF5E) fold to ASCII and the ideographic space to a space;
# CJK punctuation outside that block (、。“”…—·) is kept, as in the seed dumps.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20
_SPACES = re.compile(r"\s+")


def halfwidth(text: str) -> str:
    """Fold fullwidth ASCII forms and U+3000 to their ASCII equivalents."""
    return text.translate(_HALFWIDTH)


def collapse_spaces(text: str) -> str:
    """Collapse whitespace runs (NBSP included) to one space and strip the ends."""
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def traditional_only_chars() -> frozenset[str]:
    """Characters that only occur in Traditional script (OpenCC's own tables)."""
    folder = Path(opencc.__file__).parent / "dictionary"

    def keys(name: str) -> set[str]:
        with open(folder / name, encoding="utf-8") as table:
            return {line.split("\t", 1)[0] for line in table if line.strip()}

    return frozenset(keys("TSCharacters.txt") - keys("STCharacters.txt"))


def detect_script(text: str) -> str:
    """'zh-Hant' when the text is written in Traditional characters, else 'zh-Hans'."""
    traditional = traditional_only_chars()
    hits = sum(1 for char in text if char in traditional)
    han = sum(1 for char in text if "\u4e00" <= char <= "\u9fff") or 1
    return "zh-Hant" if hits >= 3 and hits / han > 0.02 else "zh-Hans"


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified; text without any is returned as is."""
    traditional = traditional_only_chars()
    if not any(char in traditional for char in text):
        return text
    return _converter().convert(text)


_DATE = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:[T\s]*(?P<hour>\d{1,2})\s*[:时]\s*(?P<minute>\d{1,2})(?:\s*[:分]\s*(?P<second>\d{1,2}))?)?"
    r"(?:\s*(?P<zone>Z|[+-]\d{2}:?\d{2}))?"
)


def iso_date(text: str | None) -> str | None:
    """Parse a Chinese or ISO date string into ISO 8601; times get +08:00 unless zoned.

    A date without a time stays a plain YYYY-MM-DD. Impossible dates give None.
    """
    if not text:
        return None
    match = _DATE.search(halfwidth(text))
    if not match:
        return None
    parts = {key: int(value) for key, value in match.groupdict().items() if value and key != "zone"}
    try:
        if "hour" not in parts:
            return datetime(parts["year"], parts["month"], parts["day"]).date().isoformat()
        moment = datetime(
            parts["year"], parts["month"], parts["day"],
            parts["hour"], parts["minute"], parts.get("second", 0),
            tzinfo=_zone(match.group("zone")),
        )
    except ValueError:
        return None
    return moment.astimezone(CHINA_TZ).isoformat()


def _zone(text: str | None) -> timezone:
    if not text:
        return CHINA_TZ
    if text == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def is_mirror(url: str) -> bool:
    """Whether a URL is a mirror of another page (a BIG5 gateway): the same article, but a
    page of its own to fetch and keep."""
    return any(pattern.search(url) for pattern, _replacement in URL_REWRITES)


def canonical_url(url: str) -> str:
    """Canonical form of an article URL: case, default port, tracking parameters,
    fragment removed, and mirror URLs (BIG5 gateways) mapped to the original."""
    for pattern, replacement in URL_REWRITES:
        url = pattern.sub(replacement, url)
    if not url.lower().startswith(("http://", "https://")):
        return url
    normalized = courlan.normalize_url(url)
    scheme, netloc, path, query, _fragment = urlsplit(normalized)
    return urlunsplit((scheme, netloc, path or "/", query, ""))


_ROLE = re.compile(r"^(?:[\u4e00-\u9fff]{0,5}记者|通讯员|责任编辑|责编|编辑|作者|撰稿|来源)\s*:?\s*")


def join_names(names: list[str | None], separator: str = "、", not_names: frozenset[str] = frozenset()) -> str | None:
    """Join person names (editors with '、', as the archive stores them, authors with a space as
    bylines print them): split on spaces/commas, strip role labels ('责编:', '人民网记者')
    and staff codes ('_NF5619', 'PF171'), drop brackets, repeats and `not_names` (a CMS's
    placeholders)."""
    seen: list[str] = []
    for value in names:
        for token in re.split(r"[\s、,;/]+", (value or "").strip("()[]【】 ")):
            name = without_staff_code(_ROLE.sub("", token).strip("()[]【】:"))
            if name and name not in seen and name not in not_names:
                seen.append(name)
    return separator.join(seen) or None
