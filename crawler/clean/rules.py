"""The boilerplate rule table (rules.toml), loaded and compiled once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

RULES_FILE = Path(__file__).with_name("rules.toml")
ACTIONS = {"drop", "drop_rest", "meta", "note", "caption", "byline"}
_EDGES = re.compile(r"^[\s|丨]+|[\s|丨)\]】〕]+$")
PERSON_FIELDS = frozenset({"author", "editor", "credit"})
# What a person label's value is: names, not a sentence (an interview's '记者:' question).
_NAMES = re.compile(r"^[^,。;!?…]{0,40}$")
_BAR = re.compile(r"\s*[|丨]\s*")  # a value ends at a bar: '来源:X | 2023-05-06'
# A publication date, with its time when printed: '2023-04-12 09:09', '2023年4月12日'.
DATE_TIME = r"\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
# Anything that starts like a date ('2005.03', '2023年5'): no name, no headline.
DATE_LIKE = re.compile(r"\d{4}[-/年.]\d{1,2}")
_LEADING_DATE = re.compile(DATE_TIME + r"\s*")


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


@dataclass(frozen=True)
class LabelTable:
    """Labelled metadata lines ('来源: X 作者: Y'), see [labels] in rules.toml."""

    label: re.Pattern
    fields: dict
    publication_dates: frozenset
    max_length: int
    rule: LineRule

    def match(self, key: str) -> tuple[LineRule, dict[str, str]] | None:
        if len(key) > self.max_length:
            return None
        line = key.lstrip("([【〔")
        head = _LEADING_DATE.match(line)
        rest = line[head.end():].lstrip(" |\xa0") if head else line
        found = list(self.label.finditer(rest))
        if not found or found[0].start() != 0:
            return None
        labels = {_label(match) for match in found}
        if labels <= set(self.fields_of("date")) - self.publication_dates:
            return None  # '时间: … 地点: …' is content
        values: dict[str, list[str]] = {"date": [head.group(0).strip()]} if head else {}
        for match, following in zip(found, found[1:] + [None]):
            value = _trim(rest[match.end():following.start() if following else len(rest)])
            name = self.fields[_label(match)]
            if name in PERSON_FIELDS and not _NAMES.match(value):
                return None  # '记者:首先欢迎你…?' opens an interview's question: content
            if value:
                values.setdefault(name, []).append(value)
        return self.rule, {name: "、".join(items) for name, items in values.items()}

    def fields_of(self, field: str) -> list[str]:
        return [label for label, name in self.fields.items() if name == field]


@dataclass(frozen=True)
class ContainerHints:
    """What class/id names say about a block, see [container_hints] in rules.toml."""

    positive_words: frozenset
    positive_parts: tuple
    negative_words: frozenset
    negative_parts: tuple

    def of(self, names: str) -> int:
        """+1 for an article-like name, -1 for a list/player/furniture name, 0 for neither or both."""
        lowered = names.lower()
        tokens = {token.lower() for token in _NAME_TOKEN.findall(names)}
        positive = bool(tokens & self.positive_words) or any(part in lowered for part in self.positive_parts)
        negative = bool(tokens & self.negative_words) or any(part in lowered for part in self.negative_parts)
        return int(positive) - int(negative)


@dataclass(frozen=True)
class FieldHints:
    """Which field an element's class/id names, see [field_hints] in rules.toml."""

    fields: dict  # token → field

    def field_of(self, names: str) -> str | None:
        """The one field the names name ('con1_author' → author), None for none or several."""
        found = {self.fields[token.lower()] for token in _NAME_TOKEN.findall(names) if token.lower() in self.fields}
        return found.pop() if len(found) == 1 else None


# Tokens of class and id names: split at non-alphanumerics, digits and camelCase humps.
_NAME_TOKEN = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\x00-\x7f]+")


def _documented(table: dict, name: str) -> dict:
    """A table of rules.toml; every one present says where its entries were seen."""
    entry = table.get(name, {})
    if entry and not entry.get("seen"):
        raise ValueError(f"{RULES_FILE.name}: [{name}] needs a 'seen' note")
    return entry


def _container_hints(table: dict) -> ContainerHints:
    entry = _documented(table, "container_hints")
    return ContainerHints(*(frozenset(entry.get(key, [])) if key.endswith("words") else tuple(entry.get(key, []))
                            for key in ("positive_words", "positive_parts", "negative_words", "negative_parts")))


def _trim(value: str) -> str:
    """A label's value without separators, what follows a bar ('来源:X | 2023-05-06' → 'X')
    and the closing bracket of the line around it ('(责编:X)' → 'X'), but with its own
    ('吉林日报(长春)')."""
    trimmed = _EDGES.sub("", _BAR.split(_EDGES.sub("", value))[0])
    if trimmed.count("(") > trimmed.count(")") and value.rstrip().endswith(")"):
        trimmed += ")"
    return trimmed


def _label(match: re.Match) -> str:
    return match["label"] or match["spaced"] or match["short"]


def _field_hints(table: dict) -> FieldHints:
    entry = _documented(table, "field_hints")
    return FieldHints({token: name for name, tokens in entry.items() if name != "seen" for token in tokens})


def _labels(table: dict) -> LabelTable | None:
    """One pattern for every label of [labels]: a label of two characters or more with a
    separator (anywhere: '来源:X作者:Y' runs together), or with spaces alone, and a one-character
    label with a separator, both only at the start or after a space or separator."""
    if "labels" not in table:
        return None
    entry = table["labels"]
    names = sorted(entry["fields"], key=len, reverse=True)
    long_names = "|".join(map(re.escape, (name for name in names if len(name) > 1)))
    short_names = "|".join(map(re.escape, (name for name in names if len(name) == 1))) or "(?!)"
    prefixes = "|".join(map(re.escape, entry.get("prefixes", [])))
    prefix = f"(?:{prefixes})?" if prefixes else ""
    separator = r"\s*(?:" + "|".join(map(re.escape, entry.get("separators", [":"]))) + r")\s*"
    after_gap = r"(?<![^\s|丨,;()【】\[\]〔〕])"
    pattern = re.compile(
        f"{prefix}(?P<label>{long_names}){separator}"
        f"|{after_gap}{prefix}(?P<spaced>{long_names})\\s+(?=[^\\s:])"
        f"|{after_gap}(?P<short>{short_names}){separator}")
    return LabelTable(pattern, dict(entry["fields"]), frozenset(entry.get("publication_dates", [])),
                      int(entry.get("max_length", 100)), LineRule(pattern, "meta", entry["seen"]))


def _trailer_rule(entries: list[dict]) -> LineRule:
    """The [[trailer]] headings as one drop_rest rule: a line that is only a heading."""
    if any(not entry.get("seen") for entry in entries):
        raise ValueError(f"{RULES_FILE.name}: every [[trailer]] needs a 'seen' note")
    headings = "|".join(f"(?:{entry['heading']})" for entry in entries) or "(?!)"
    return LineRule(re.compile(f"^(?:{headings})\\s*(?::|>>|更多)?\\s*$"), "drop_rest",
                    "; ".join(entry["seen"] for entry in entries))


def _load(path: Path) -> tuple:
    with open(path, "rb") as handle:
        table = tomllib.load(handle)
    rules = []
    for number, entry in enumerate(table.get("line", []), 1):
        if entry.get("action") not in ACTIONS or not entry.get("seen"):
            raise ValueError(f"{path.name}: line rule {number} needs an action in {sorted(ACTIONS)} and a 'seen' note")
        rules.append(LineRule(re.compile(entry["pattern"]), entry["action"], entry["seen"]))
    rules.append(_trailer_rule(table.get("trailer", [])))
    rewrites = [(re.compile(entry["pattern"]), entry["replace"]) for entry in table.get("url_rewrite", [])]
    url_dates = [re.compile(entry["pattern"]) for entry in table.get("url_date", [])]
    placeholders, prose = _documented(table, "not_names"), _documented(table, "not_captions")
    outlets, ending, codes = _documented(table, "outlets"), _documented(table, "document_end"), _documented(table, "staff_codes")
    return (rules, rewrites, url_dates, _labels(table), frozenset(placeholders.get("values", [])),
            re.compile(prose.get("pattern", "(?!)")), re.compile(codes.get("pattern", "(?!)")), _container_hints(table),
            re.compile("(?:" + "|".join(map(re.escape, outlets.get("suffixes", []))) + ")$" if outlets else "(?!)"),
            re.compile(ending.get("pattern", "(?!)")), _field_hints(table))


(LINE_RULES, URL_REWRITES, URL_DATES, LABELS, NOT_NAMES, NOT_CAPTIONS, STAFF_CODE, CONTAINER_HINTS,
 OUTLET_NAME, DOCUMENT_END, FIELD_HINTS) = _load(RULES_FILE)


def without_staff_code(name: str) -> str:
    """A name without the CMS staff code after it ('钟齐鸣_NF5619' → '钟齐鸣'; 'PF171' → '')."""
    return STAFF_CODE.sub("", name)


def match_line(key: str) -> tuple[LineRule, dict[str, str]] | None:
    """The first rule matching a line key (halfwidth, simplified, stripped) and its fields."""
    for rule in LINE_RULES:
        match = rule.pattern.search(key)
        if match:
            return rule, rule.fields(match)
    return LABELS.match(key) if LABELS else None


def date_in_url(url: str) -> str | None:
    """YYYY-MM-DD from an article URL that encodes its publication day."""
    for pattern in URL_DATES:
        match = pattern.search(url)
        if match:
            return "{year}-{month}-{day}".format(**match.groupdict())
    return None
