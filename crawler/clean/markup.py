"""HTML in, a tree and its text as lines out: the parsing every extraction step shares."""

from __future__ import annotations

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
# Browsers ignore a </body> or </html> in mid-document (left by a server-side include);
# libxml2 stops parsing there and would lose the article after it.
_STRAY_END_TAG = re.compile(r"</(?:body|html)\s*>", re.I)
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


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
    text = _STRAY_END_TAG.sub(lambda m: "" if m.end() < len(text) - 200 else m.group(0), text)
    try:
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as error:
        raise NotHTML(f"unparseable HTML: {error}") from error
    if tree is None or tree.find("body") is None:
        raise NotHTML("no <body> in the document")
    return tree


def render_lines(element, skip=frozenset()) -> list[str]:
    """Text of an element, one line per block, without touching the tree; the elements in
    `skip` are left out (their tails stay)."""
    skipped = {id(found) for found in skip}
    chunks: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else None
        if tag and tag not in SKIP_TAGS and id(node) not in skipped:
            block = tag in BLOCK_TAGS
            if block:
                chunks.append("\n")
            chunks.append(node.text or "")
            for child in node:
                walk(child)
            if block:
                chunks.append("\n")
        if node.tail:
            chunks.append(node.tail)

    walk(element)
    if element.tail:
        chunks.pop()
    return "".join(chunks).split("\n")
