"""Source profiles: one TOML table per site column, validated on load."""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROFILES_DIR = Path(__file__).parent
SELECTOR_KEYS = {"title", "subtitle", "date", "source", "author", "editor", "body", "exclude"}
REQUIRED = ("name", "title", "site", "family", "start_urls", "article_pattern")
OPTIONAL = {"homepage", "description", "enabled", "list_pattern", "max_pages", "delay", "charset", "selectors",
            "sitemap_urls", "sitemap_follow", "feed_urls"}


class ProfileError(ValueError):
    """A source profile is malformed; the message names the file, the source and the key."""


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    site: str
    family: str
    start_urls: tuple[str, ...]
    article_pattern: re.Pattern
    list_pattern: re.Pattern | None = None
    homepage: str = ""
    description: str = ""
    enabled: bool = True
    max_pages: int = 5
    delay: float = 2.0
    charset: str | None = None
    selectors: dict = field(default_factory=dict)
    sitemap_urls: tuple[str, ...] = ()
    sitemap_follow: re.Pattern | None = None  # which child sitemaps of a sitemap index to read
    feed_urls: tuple[str, ...] = ()

    def is_article(self, url: str) -> bool:
        return bool(self.article_pattern.search(url))

    def is_list(self, url: str) -> bool:
        return bool(self.list_pattern and self.list_pattern.search(url))

    def follows_sitemap(self, url: str) -> bool:
        return self.sitemap_follow is None or bool(self.sitemap_follow.search(url))

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.start_urls}


def _compile(where: str, key: str, pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ProfileError(f"{where}: '{key}' is not a valid regular expression: {error}") from error


def parse_profile(entry: dict, where: str) -> Source:
    """Validate one [[source]] table and build its Source."""
    missing = [key for key in REQUIRED if not entry.get(key)]
    if missing:
        raise ProfileError(f"{where}: missing required key(s): {', '.join(missing)}")
    where = f"{where} [{entry['name']}]"
    unknown = set(entry) - set(REQUIRED) - OPTIONAL
    if unknown:
        raise ProfileError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    selectors = entry.get("selectors", {})
    if set(selectors) - SELECTOR_KEYS:
        raise ProfileError(f"{where}: unknown selector(s): {', '.join(sorted(set(selectors) - SELECTOR_KEYS))}")
    values = {key: entry[key] for key in REQUIRED + tuple(OPTIONAL) if key in entry}
    for key in ("start_urls", "sitemap_urls", "feed_urls"):
        urls = entry.get(key, [])
        if not isinstance(urls, list) or not all(str(url).startswith(("http://", "https://")) for url in urls):
            raise ProfileError(f"{where}: '{key}' must be a list of http(s) URLs")
        values[key] = tuple(urls)
    for key in ("article_pattern", "list_pattern", "sitemap_follow"):
        if key in entry:
            values[key] = _compile(where, key, entry[key])
    _check_values(entry, where)
    return Source(**values)


# What each optional scalar must be (TOML gives strings for "3" and "false").
TYPES = {"enabled": bool, "max_pages": int, "delay": (int, float), "charset": str, "homepage": str, "description": str}
GOVERNMENT_MIN_DELAY = 2.0  # seconds between requests to a .gov.cn host, at least


def _check_values(entry: dict, where: str) -> None:
    """Types, a charset Python knows, polite delays, and start URLs on the profile's site."""
    for key, kind in TYPES.items():
        if key in entry and (not isinstance(entry[key], kind) or (kind is int and isinstance(entry[key], bool))):
            raise ProfileError(f"{where}: '{key}' must be {_kind_name(kind)}, not {entry[key]!r}")
    if entry.get("max_pages", 1) < 1 or entry.get("delay", 0) < 0:
        raise ProfileError(f"{where}: 'max_pages' must be at least 1 and 'delay' not negative")
    if "charset" in entry:
        try:
            codecs.lookup(entry["charset"])
        except LookupError:
            raise ProfileError(f"{where}: unknown charset {entry['charset']!r}") from None
    hosts = {urlsplit(url).hostname or "" for url in entry["start_urls"]}
    if any(host.endswith(".gov.cn") for host in hosts) and entry.get("delay", GOVERNMENT_MIN_DELAY) < GOVERNMENT_MIN_DELAY:
        raise ProfileError(f"{where}: 'delay' must be at least {GOVERNMENT_MIN_DELAY} s on a government host")
    site = entry["site"].lower()
    if not all(host == site or host.endswith("." + site) or site.endswith("." + host) for host in hosts):
        raise ProfileError(f"{where}: the start URLs ({', '.join(sorted(hosts))}) are not on the site {site!r}")


def _kind_name(kind) -> str:
    names = {bool: "true or false", int: "a whole number", str: "text"}
    return names.get(kind, "a number")


def load_sources(folder: Path = PROFILES_DIR) -> dict[str, Source]:
    """Every profile in the folder's *.toml files, by name."""
    sources: dict[str, Source] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            with open(path, "rb") as handle:
                table = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise ProfileError(f"{path.name}: not valid TOML: {error}") from error
        for number, entry in enumerate(table.get("source", []), 1):
            source = parse_profile(entry, f"{path.name} source #{number}")
            if source.name in sources:
                raise ProfileError(f"{path.name}: source name '{source.name}' is defined twice")
            sources[source.name] = source
    return sources
