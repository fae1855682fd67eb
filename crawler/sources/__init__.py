"""Source profiles: one TOML table per site column, validated on load.

The built-in profiles are the *.toml files of this folder; an operator's own folders
(NEWSARCHIVE_SOURCES, `--sources DIR`) are read after them, and a profile there replaces a
built-in one of the same name. A profile's `family` fills in what it leaves out
(families.toml: URL patterns, charset, selectors of a CMS).
"""

from __future__ import annotations

import codecs
import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from .. import settings

BUILT_IN = Path(__file__).parent
FAMILIES_FILE = BUILT_IN / "families.toml"
SELECTOR_KEYS = {"title", "subtitle", "date", "source", "author", "editor", "body", "exclude"}
REQUIRED = ("name", "title", "site", "family", "start_urls")
OPTIONAL = {"homepage", "description", "enabled", "article_pattern", "list_pattern", "max_pages", "delay", "charset",
            "selectors", "sitemap_urls", "sitemap_follow", "feed_urls"}
logger = logging.getLogger(__name__)


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
    """Validate one [[source]] table and build its Source (its family's preset filling in
    what it leaves out)."""
    missing = [key for key in REQUIRED if not entry.get(key)]
    if missing:
        raise ProfileError(f"{where}: missing required key(s): {', '.join(missing)}")
    where = f"{where} [{entry['name']}]"
    unknown = set(entry) - set(REQUIRED) - OPTIONAL
    if unknown:
        raise ProfileError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    selectors = entry.get("selectors", {})
    if not isinstance(selectors, dict):
        raise ProfileError(f"{where}: 'selectors' must be a table ([source.selectors])")
    if set(selectors) - SELECTOR_KEYS:
        raise ProfileError(f"{where}: unknown selector(s): {', '.join(sorted(set(selectors) - SELECTOR_KEYS))}")
    if not isinstance(entry["start_urls"], list):
        raise ProfileError(f"{where}: 'start_urls' must be a list of http(s) URLs")
    entry = with_family(entry, where)
    if not entry.get("article_pattern"):
        raise ProfileError(f"{where}: missing required key(s): article_pattern "
                           f"(the family {entry['family']!r} supplies none)")
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


@lru_cache(maxsize=1)
def families() -> dict[str, dict]:
    return _read_toml(FAMILIES_FILE)


def with_family(entry: dict, where: str) -> dict:
    """The profile with its family's preset under it: patterns with {host}/{folder} filled
    from the start URLs, the charset, and the selectors the profile does not name itself."""
    preset = families().get(entry["family"])
    if preset is None:
        raise ProfileError(f"{where}: unknown family {entry['family']!r}; known: {', '.join(families())}")
    merged = {**entry, "selectors": {**preset.get("selectors", {}), **entry.get("selectors", {})}}
    hosts = "|".join(dict.fromkeys(re.escape(urlsplit(url).netloc) for url in entry["start_urls"]))
    folders = "|".join(dict.fromkeys(re.escape(urlsplit(url).netloc + urlsplit(url).path.rpartition("/")[0] + "/")
                                     for url in entry["start_urls"]))
    for key in ("article_pattern", "list_pattern", "charset"):
        if key not in entry and key in preset:
            merged[key] = (preset[key].replace("{host}", f"(?:{hosts})")
                           .replace("{folder}", f"https?://(?:{folders})"))
    return merged


def profile_folders() -> list[Path]:
    """The built-in profiles, then the operator's folders (NEWSARCHIVE_SOURCES, --sources)."""
    return [BUILT_IN, *map(Path, settings.source_dirs())]


def load_sources(folders: list[Path] | None = None) -> dict[str, Source]:
    """Every profile in the folders' *.toml files, by name; a later folder's profile
    replaces an earlier one of the same name (an operator's edit of a built-in source)."""
    sources: dict[str, Source] = {}
    for folder in folders if folders is not None else profile_folders():
        if not folder.is_dir():
            raise ProfileError(f"{folder}: the sources folder does not exist")
        found: dict[str, Source] = {}
        for path in sorted(folder.glob("*.toml")):
            if path == FAMILIES_FILE:
                continue
            for number, entry in enumerate(_read_toml(path).get("source", []), 1):
                source = parse_profile(entry, f"{path} source #{number}" if folder != BUILT_IN
                                       else f"{path.name} source #{number}")
                if source.name in found:
                    raise ProfileError(f"{path}: source name '{source.name}' is defined twice")
                found[source.name] = source
        for name in found.keys() & sources.keys():
            logger.info("source %s: the profile in %s replaces the built-in one", name, folder)
        sources.update(found)
    return sources


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path.name}: not valid TOML: {error}") from error
    except OSError as error:
        raise ProfileError(f"{path}: cannot be read: {error.strerror}") from error
