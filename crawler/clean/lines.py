"""Apply the rule table to the lines of a page: body, captions and metadata fields.

HTML bodies (after trafilatura or a profile selector) and plain-text dumps both come here,
so a rule added to rules.toml cleans crawled pages, seeds and reclean runs alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .normalize import collapse_spaces
from .rules import DATE_TIME, DOCUMENT_END, match_line, without_staff_code

SENTENCE_END = ("。", "!", "?", "…", "”", ";", ".", "\"")
HEADLINE_MAX = 60
TAIL_LINE_MAX = 40  # longest line _drop_tail takes for page furniture
SENTENCE_MIN = 20  # a sentence of the article: this long, with a sentence mark
SENTENCE_MARK = re.compile(r"[,。;!?]")
SPLIT_HEADLINE_LINES = 6  # text lines a headline may be split over, and chrome lines before it
_SPACES = re.compile(r"\s+")
_DATE_ONLY = re.compile(f"^{DATE_TIME}$")
_BARE_LABEL = re.compile(f"^(?:{DATE_TIME}\\s*)?" r"(?P<label>来源|作者|责任编辑|编辑)\s*:$")
_DATE_PIECE = re.compile(r"^[\d/:\-年月日\s]+$")
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·&]{2,12}$")
# What a label's value on the next line may be: a name, an outlet with its place in brackets.
_LABELLED_VALUE = re.compile(r"^[\u4e00-\u9fffA-Za-z·&()\-\s]{2,30}$")
_LABEL_FIELDS = {"来源": "source", "作者": "author", "责任编辑": "editor", "编辑": "editor"}


@dataclass
class Line:
    original: str
    key: str  # halfwidth, simplified, spaces collapsed
    kind: str = "text"  # text | caption | byline | dated (a dropped header line carrying a date) | trailer
    gap: int = 0  # blank lines before it (a text dump shows images as runs of blank lines)
    note: bool = False  # an inline attribution the rule table found ('(记者 X)'): body text


@dataclass
class Reading:
    """What the rules found in a page's lines."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    body: list[Line] = field(default_factory=list)
    captions: list[Line] = field(default_factory=list)

    def first(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None

    def add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)


def read_lines(
    originals: list[str],
    keys: list[str],
    title: str | None = None,
    caption_hints: frozenset[str] = frozenset(),
    dump: bool = False,
    trailers: bool = True,
) -> Reading:
    """Sort lines into body, captions and metadata by the rule table.

    `keys` are the same lines halfwidth and simplified. `title` is the headline when the
    page markup already told it; otherwise it is found in the lines. `dump` marks a text
    dump, where runs of blank lines stand for images. `trailers=False` reads on past a
    trailer heading (a page's header, where '精彩视频推荐' heads a sidebar, not a trailer).
    """
    reading = Reading()
    lines = _classify(originals, keys, reading, caption_hints, trailers)
    if title is None:
        title = _title_above_dateline(lines)
    if title is None:
        title = _headline_block(lines, reading)
    else:
        _headline_block(lines, reading, title_known=True)
    if title:
        reading.fields["title"] = [title]
        _drop_title_repeats(lines, title)
    _drop_tail(lines)
    for line in lines:
        if dump and line.kind == "text" and line.gap >= 2 and _short_unpunctuated(line.key):
            line.kind = "caption"
        if line.kind == "text":
            reading.body.append(line)
        elif line.kind == "caption":
            reading.captions.append(line)
    return reading


def _classify(originals, keys, reading, caption_hints, trailers: bool = True) -> list[Line]:
    lines: list[Line] = []
    gap, bare_label = 0, None
    for original, raw_key in zip(originals, keys):
        key = collapse_spaces(raw_key)
        if not key:
            gap += 1
            continue
        line = Line(original, key, gap=gap)
        gap = 0
        label, bare_label = bare_label, _BARE_LABEL.match(key)
        if label and _NAME.match(key):  # '责任编辑:' with the name on the next line
            reading.add(_LABEL_FIELDS[label["label"]], key)
            continue
        hit = match_line(key)
        if hit is None:
            if key in caption_hints:
                line.kind = "caption"
            lines.append(line)
            continue
        rule, found = hit
        if rule.action == "drop_rest":
            if trailers:
                break
            continue
        for name, value in found.items():
            reading.add(name, value)
        if rule.action in ("note", "caption", "byline"):
            line.kind = "text" if rule.action == "note" else rule.action
            line.note = rule.action == "note"
            lines.append(line)
        elif "date" in found:
            line.kind = "dated"
            lines.append(line)
    return lines


def _drop_tail(lines: list[Line]) -> None:
    """Short lines without sentence punctuation after the article's last sentence are what a
    page sets under an article (editor and tag lines, share bars, headings of lists, footer
    links), not what its author wrote; a closing attribution ('(记者 X)') and how a document
    ends (attachments, the issuing body, the date: [document_end] in rules.toml) stay."""
    text = [line for line in lines if line.kind == "text"]
    last = max((index for index, line in enumerate(text) if _is_sentence(line.key)), default=None)
    if last is None:
        return
    for line in text[last + 1:]:
        if _short_unpunctuated(line.key, TAIL_LINE_MAX) and not line.note and not DOCUMENT_END.search(line.key):
            line.kind = "trailer"


def _is_sentence(key: str) -> bool:
    return len(key) >= SENTENCE_MIN and SENTENCE_MARK.search(key) is not None


def _title_above_dateline(lines: list[Line]) -> str | None:
    """Headline = the text line right above the first date/来源 line in the page header.

    Everything above the headline is header chrome (logos, navigation) and leaves the body.
    """
    for position, line in enumerate(lines[:8]):
        if line.kind != "dated":
            continue
        above = [index for index in range(position) if lines[index].kind == "text"]
        if not above or not _short_unpunctuated(lines[above[-1]].key, HEADLINE_MAX):
            return None
        title = lines[above[-1]].key
        for index in range(position + 1):
            lines[index].kind = "header"
        return title
    return None


def _headline_block(lines: list[Line], reading: Reading, title_known: bool = False) -> str | None:
    """An e-paper page shows 引题 / headline / '本报记者 X' mid-text: lift them into metadata."""
    title = None
    for position, line in enumerate(lines):
        if line.kind != "byline":
            continue
        line.kind = "header"
        if title_known or title:
            continue
        above = [index for index in range(position) if lines[index].kind == "text"][-2:]
        if not above or not _short_unpunctuated(lines[above[-1]].key, HEADLINE_MAX):
            continue
        title = lines[above[-1]].key
        lines[above[-1]].kind = "header"
        if len(above) == 2 and _short_unpunctuated(lines[above[0]].key, HEADLINE_MAX):
            reading.fields["subtitle"] = [lines[above[0]].key]
            lines[above[0]].kind = "header"
    return title


def _drop_title_repeats(lines: list[Line], title: str) -> None:
    """Image alt texts that repeat the headline go; the short line after one is its caption
    (not after the headline itself, at the top of the text: what follows it is the lead).
    So does the headline set over several lines at the top of the text (a gazette's bold
    block split by <br>, as the State Council gazette and other government bulletins print it)."""
    _drop_split_headline(lines, title)
    headline_seen = False  # the first repeat, above any text, is the headline itself, not an image's alt
    for position, line in enumerate(lines):
        if line.kind in ("text", "caption") and line.key == title:
            line.kind = "header"
            following = lines[position + 1] if position + 1 < len(lines) else None
            if headline_seen and following and following.kind == "text" and len(following.key) <= 80 \
                    and following.key != title:
                following.kind = "caption"
        headline_seen = headline_seen or line.kind in ("text", "header")


def _drop_split_headline(lines: list[Line], title: str) -> None:
    wanted, joined, pieces = _SPACES.sub("", title), "", []
    for line in lines[:SPLIT_HEADLINE_LINES]:
        if line.kind != "text":
            continue
        joined += _SPACES.sub("", line.key)
        pieces.append(line)
        if not wanted.startswith(joined):
            return
        if joined == wanted and len(pieces) > 1:
            for piece in pieces:
                piece.kind = "header"
            return


def _short_unpunctuated(text: str, limit: int = 50) -> bool:
    return len(text) <= limit and not text.endswith(SENTENCE_END)


def paired_fields(lines: list[str], title: str | None = None) -> dict[str, str]:
    """Metadata that templates print on two lines: a bare date with the source name under
    it ('2023-04-12 09:09:31' / '吉林日报'), a label whose value sits in the next element
    ('来源:' / '人民网'), or a bare outlet name among the few lines under the headline
    (dates and widgets aside). First occurrence wins."""
    found: dict[str, str] = {}
    if title and title in lines:
        position = lines.index(title)
        for line in lines[position + 1:position + 7]:
            if _NAME.match(line) and not _DATE_PIECE.match(line) and match_line(line) is None:
                found["source"] = line
                break
    for line, following in zip(lines, lines[1:]):
        following = without_staff_code(following)
        label = _BARE_LABEL.match(line)
        if label and _LABELLED_VALUE.match(following) and match_line(following) is None:
            found.setdefault(_LABEL_FIELDS[label["label"]], following)
        elif _DATE_ONLY.match(line) and _NAME.match(following):
            found.setdefault("source", following)
    return found
