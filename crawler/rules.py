"""The boilerplate rule table (rules.toml), loaded and compiled once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

RULES_FILE = Path(__file__).with_name("rules.toml")
ACTIONS = {"drop", "drop_rest", "meta", "note", "caption", "byline"}


@dataclass(frozen=True)
class LineRule:
    pattern: re.Pattern
    action: str
    seen: str

    def fields(self, match: re.Match) -> dict[str, str]:
        """Named groups of a match, 'editor2' folded into 'editor' and so on."""
        found: dict[str, list[str]] = {}
        for name, value in match.groupdict().items():
            if value and value.strip():
                found.setdefault(name.rstrip("0123456789"), []).append(value.strip())
        return {name: "、".join(values) for name, values in found.items()}


def _load(path: Path) -> tuple[list[LineRule], list[tuple[re.Pattern, str]], list[re.Pattern]]:
    with open(path, "rb") as handle:
        table = tomllib.load(handle)
    rules = []
    for number, entry in enumerate(table.get("line", []), 1):
        if entry.get("action") not in ACTIONS or not entry.get("seen"):
            raise ValueError(f"{path.name}: line rule {number} needs an action in {sorted(ACTIONS)} and a 'seen' note")
        rules.append(LineRule(re.compile(entry["pattern"]), entry["action"], entry["seen"]))
    rewrites = [(re.compile(entry["pattern"]), entry["replace"]) for entry in table.get("url_rewrite", [])]
    url_dates = [re.compile(entry["pattern"]) for entry in table.get("url_date", [])]
    return rules, rewrites, url_dates


LINE_RULES, URL_REWRITES, URL_DATES = _load(RULES_FILE)


def match_line(key: str) -> tuple[LineRule, dict[str, str]] | None:
    """The first rule matching a line key (halfwidth, simplified, stripped) and its fields."""
    for rule in LINE_RULES:
        match = rule.pattern.search(key)
        if match:
            return rule, rule.fields(match)
    return None


def date_in_url(url: str) -> str | None:
    """YYYY-MM-DD from an article URL that encodes its publication day."""
    for pattern in URL_DATES:
        match = pattern.search(url)
        if match:
            return "{year}-{month}-{day}".format(**match.groupdict())
    return None
