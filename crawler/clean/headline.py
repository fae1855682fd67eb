"""The headline of an HTML page, from its headings, its <title> and the article's place."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from lxml import etree
from lxml.cssselect import CSSSelector

from .normalize import collapse_spaces, halfwidth
from .density import name_hint
from .rules import DATE_LIKE

# Headings, and elements whose class or id says title: 'title', 'tit' (a financial newspaper, a
# financial portal), 'headline', 'biaoti' and 'bt' (标题).
_TITLE_ELEMENTS = CSSSelector("h1, h2, h3, [class*=tit], [id*=tit], [class*=Tit], [id*=Tit], [class*=TIT], [id*=TIT], "
                              "[class*=headline], [class*=biaoti], [id*=biaoti], [class~=bt], [id=bt]")
# Separators before a site suffix: '标题_网站', '标题 | 网站', '标题-频道-网站' (a hyphen only
# when short segments follow it to the end, so hyphens inside a headline stay).
TITLE_SEPARATORS = re.compile(r"\s*(?:_+|\||--+|\s-\s|-(?=[^-]{2,12}(?:-[^-]{2,12})*$)|–|—(?!—))\s*")
NEAR_RUN, NEAR_SHARE = 6, 0.6  # a heading 'nearly inside' the <title> shares this much of it
_HEADINGS_BEFORE = etree.XPath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")
_PROMINENT_BEFORE = etree.XPath(
    "preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::b or self::strong"
    " or (self::font and number(@size) >= 4) or contains(@class, 'tit') or contains(@class, 'Tit')"
    " or contains(@id, 'tit') or contains(@id, 'Tit')]")
# What a bold line above an article is when it is no headline: a date or label line, a sentence.
_NOT_HEADLINE = re.compile(f"{DATE_LIKE.pattern}|[:：]|。$")


def headline(tree, article=None) -> str | None:
    """The headline: the longest heading (or og:title, or element whose class/id says
    'title', unless it also names a share widget, a list or a player: a share box repeats
    the <title> with its site suffix) that the page's <title> contains, else the one that
    shares most of its characters with it; else the single <h1>; else the <title>
    without its site suffix ('标题_网站', '标题-频道-网站'); else the heading right above the
    `article` element; else the whole <title>. A page without a <title> (a saved fragment,
    an old page stripped of its head): the single <h1>, else the nearest prominent line
    above the article."""
    page_title = title_of(tree)
    headings = [text for text in (collapse_spaces(h.text_content()) for h in tree.iter("h1")) if text]
    if not page_title:
        single = headings[0] if len(headings) == 1 else None
        return single or _heading_above(article, _PROMINENT_BEFORE) or _heading_above(article)
    candidates = [collapse_spaces(element.text_content()) for element in _TITLE_ELEMENTS(tree)
                  if name_hint(element) >= 0]
    candidates += [meta.get("content", "") for meta in tree.iter("meta") if meta.get("property") == "og:title"]
    squeezed = _squeeze(page_title)
    inside = [text for text in candidates if 4 <= len(text) <= 100 and _squeeze(text) in squeezed]
    if inside:
        return max(inside, key=len)
    near = _nearly_inside(candidates, squeezed)
    if near:
        return near
    if len(headings) == 1:
        return headings[0]
    segments = [part for part in TITLE_SEPARATORS.split(page_title) if part]
    if segments and len(segments[0]) >= 6:
        return segments[0]
    return _heading_above(article) or page_title or None


def _nearly_inside(candidates: list[str], squeezed_title: str) -> str | None:
    """The heading that shares the longest run of characters with the <title>, when that run
    is most of the heading: the <title> often words the headline a little differently
    (another punctuation, a column tag, a shortened tail)."""
    best, best_run = None, 0
    for text in candidates:
        squeezed = _squeeze(text)
        if not 4 <= len(squeezed) <= 100:
            continue
        run = SequenceMatcher(None, squeezed, squeezed_title, autojunk=False).find_longest_match().size
        if run >= max(NEAR_RUN, NEAR_SHARE * len(squeezed)) and run > best_run:
            best, best_run = text, run
    return best


def title_of(tree) -> str:
    """The page's <title>, or the title a CleanEval wrapper <text title=…> keeps of it."""
    title = collapse_spaces(tree.findtext(".//title") or "")
    if not title:
        wrapper = tree.find(".//text[@title]")
        title = collapse_spaces(wrapper.get("title")) if wrapper is not None else ""
    return title


def _heading_above(article, before=None) -> str | None:
    """The heading right before the article element, for a <title> that names only the
    column and the site ('新闻动态--中国地理学会官网' over an <h5> headline, as a learned
    society's news page prints it); with `before=_PROMINENT_BEFORE`, for a page without any
    <title>, the nearest heading, title-named or bold element above the article that reads
    as a headline (not a date line, not a sentence)."""
    if article is None:
        return None
    for element in reversed((before or _HEADINGS_BEFORE)(article)):
        text = collapse_spaces(element.text_content())
        if before is None:
            return text if 6 <= len(text) <= 100 else None
        if 6 <= len(text) <= 100 and not _NOT_HEADLINE.search(text):
            return text
    return None


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", halfwidth(text))
