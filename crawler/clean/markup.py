"""HTML in, a tree and its text as lines out: the parsing every extraction step shares."""

from __future__ import annotations

import logging
import re

import lxml.html
from lxml import etree

BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 table tr td th section article header footer "
    "blockquote figure figcaption pre dd dt dl center founder-content".split()
)
SKIP_TAGS = frozenset("script style noscript iframe select option button svg form textarea head".split())
# Any document with HTML elements is HTML, in whatever form it was saved: a whole page, a
# browser's DOM snapshot that begins with <head> (no <html>), a "Save page as" copy, a page
# wrapped in a <text> element (the CleanEval corpus), a fragment that begins with <div>.
# Only a file with no markup at all is a text dump. (Bytes: the tags are ASCII in UTF-8,
# GBK and Big5 alike.)
_HTML_ELEMENT = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title|link|script|style|text|div|p|span|a|br|img|table|tr|td|ul|ol"
    rb"|li|h[1-6]|font|center|article|section|header|footer|nav|form|iframe)[\s/>]", re.I)
HTML_SNIFF_BYTES = 64 * 1024
logger = logging.getLogger(__name__)
# Browsers ignore a </body> or </html> in mid-document (left by a server-side include);
# libxml2 stops parsing there and would lose the article after it.
_STRAY_END_TAG = re.compile(r"</(?:body|html)\s*>", re.I)
LARGE_PAGE_CHARS = 1_000_000  # larger pages lose their scripts, styles and data: images before parsing
MAX_PAGE_CHARS = 3_000_000  # and are cut to this
_INVISIBLE = re.compile(r"<script(?![^>]*ld\+json)[^>]*>.*?</script\s*>|<style[^>]*>.*?</style\s*>|<!--.*?-->", re.I | re.S)
_DATA_URI = re.compile(r"""["']data:[^"']{256,}["']""")
_BLOCK_TAG = re.compile(r"</?(?:div|center|section|article|table|tbody|thead|tr|td|th|ul|ol|li|dl|dd|dt|blockquote)\b[^>]*>", re.I)
_INLINE_TAG = re.compile(r"</?(?:font|span|b|i|u|em|strong|small|big|a)\b[^>]*>", re.I)
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)


class NotHTML(ValueError):
    """The document has no HTML body to extract from."""


def is_html(body: bytes, content_type: str | None = None) -> bool:
    """Whether a page is HTML (to be parsed) rather than a text dump (read line by line)."""
    if content_type and "html" in content_type.lower():
        return True
    return _HTML_ELEMENT.search(body[:HTML_SNIFF_BYTES]) is not None


def parse_html(text: str) -> lxml.html.HtmlElement:
    """The document tree of a page's text; NotHTML when it holds no markup or no <body>."""
    if "<" not in text[:4096]:
        raise NotHTML("no markup in the first 4 KB")
    if len(text) > LARGE_PAGE_CHARS:
        text = _within_budget(text)
    text = _STRAY_END_TAG.sub(lambda m: "" if m.end() < len(text) - 200 else m.group(0), text)
    try:
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
        if any("Excessive depth" in entry.message for entry in _PARSER.error_log):
            # libxml2 drops everything nested deeper than 2,048 elements (unclosed <font>
            # and <div> tags pile up so): read the page without its container tags.
            logger.warning("HTML nested deeper than the parser reads; reading it without container tags")
            tree = lxml.html.document_fromstring(_flattened(text).encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as error:
        raise NotHTML(f"unparseable HTML: {error}") from error
    if tree is None or tree.find("body") is None:
        raise NotHTML("no <body> in the document")
    return tree


def _within_budget(text: str) -> str:
    """A large page without what no reader sees (scripts, styles, comments, inline data: images),
    cut to MAX_PAGE_CHARS when still larger: a 20 MB page cleans in bounded time and memory,
    and an article sits at the top of its page."""
    size = len(text)
    text = _DATA_URI.sub('"data:"', _INVISIBLE.sub("", text))
    if len(text) > MAX_PAGE_CHARS:
        text = text[:MAX_PAGE_CHARS]
    logger.warning("a page of %d characters read as %d (scripts, styles and data: images left out%s)", size,
                   len(text), ", cut" if len(text) == MAX_PAGE_CHARS else "")
    return text


def _flattened(text: str) -> str:
    """The page with its container tags taken out: block ones become line breaks, inline ones
    vanish; paragraphs, headings and the head stay."""
    return _INLINE_TAG.sub("", _BLOCK_TAG.sub("<br>", text))


def render_lines(element, skip=frozenset()) -> list[str]:
    """Text of an element, one line per block, without touching the tree; the elements in
    `skip` are left out (their tails stay). Iterative: a page nested thousands of levels
    deep (unclosed <font> tags) is read like any other."""
    skipped = {id(found) for found in skip}
    chunks: list[str] = []
    stack: list = [(element, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None
        if closing:
            if tag in BLOCK_TAGS:
                chunks.append("\n")
            if node.tail and node is not element:
                chunks.append(node.tail)
            continue
        if tag and tag not in SKIP_TAGS and id(node) not in skipped:
            if tag in BLOCK_TAGS:
                chunks.append("\n")
            chunks.append(node.text or "")
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
        elif node.tail and node is not element:
            chunks.append(node.tail)
    return "".join(chunks).split("\n")
