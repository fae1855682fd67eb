"""Where the links are: pagers, list fragments, feeds and articles split over pages.

Plain functions over a page's text and URL (the spider calls them; tests call them
directly). Article pages are only scanned with regular expressions, so the reactor thread
never builds a DOM of a page the cleaning workers parse anyway.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from ..clean.attachments import EXTENSIONS, extension_of
from ..clean.normalize import CHINA_TZ

# TRS list pages write their pager with createPageHTML(count, index, name, ext) in
# JavaScript, so the links exist only in the raw HTML: index.html, index_1.html … for a
# list, t20190918_693227_1.shtml … for an article split over pages.
CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']"
)
# Paths quoted in scripts and attributes: AJAX list fragments (CRI's /inc/<guid>-N.inc).
QUOTED_PATH = re.compile(r"[\"']((?:https?:)?/[^\"'\s<>()]+)[\"']")
HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)
ABODY_TAG = re.compile(r"""<[^>]*\bid\s*=\s*["']abody["'][^>]*>""", re.I)
# Anchors as written, also inside the script strings that write attachment lists (附件下载:
# var FJarr=hasFJ.split("<BR/>") on UCAP portals [real pages]).
ANCHOR = re.compile(r"<a\b([^>]*)>(.*?)</a\s*>", re.I | re.S)
ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
TAG = re.compile(r"<[^>]*>")
# A link labelled 附件 (附件1：…, 附件下载) is an attachment whatever its URL (download.jsp?id=…).
ATTACHMENT_LABEL = re.compile(r"^\s*(?:相关)?附件")
# …or that follows the label: 附件：<a>…</a>, 附件1 <a>…</a>, 附件：1.<a>…</a>
LABEL_BEFORE = re.compile(r"附件[\s\d一二三四五六七八九十:：、.．]*$")
# What every attachment link shows somewhere (its URL, attributes or text) or just before it:
# anchors without it are passed over unparsed (a portal page holds hundreds of links).
ATTACHMENT_MARK = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|et|ofd|zip|rar|7z|txt)\b|附件", re.I)
PAGE_EXTENSIONS = ("html", "htm", "shtml", "jhtml", "xhtml")
PAGEDATA = re.compile(r"""\bpagedata\s*=\s*(?P<quote>["'])(?P<value>.*?)(?P=quote)""", re.I | re.S)


def start_url(template: str, now: datetime | None = None) -> str:
    """Fill '{date:%Y%m/%d}' in a profile's start URL with today's date in China."""
    return template.format(date=now or datetime.now(CHINA_TZ))


def pager_urls(text: str) -> list[str]:
    """Relative URLs of every page a createPageHTML call announces."""
    match = CREATE_PAGE_HTML.search(text)
    if not match:
        return []
    count, name, ext = int(match[1]), match[3], match[4]
    return [f"{name}.{ext}"] + [f"{name}_{page}.{ext}" for page in range(1, count)]


def script_paths(text: str) -> list[str]:
    """Paths quoted in scripts and attributes (AJAX list fragments)."""
    return QUOTED_PATH.findall(text)


def feed_links(body: bytes) -> list[str]:
    """Article links of an RSS or Atom feed."""
    root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    if root is None:
        return []
    links = root.xpath("//*[local-name()='item']/*[local-name()='link']/text()")
    links += root.xpath("//*[local-name()='entry']/*[local-name()='link']/@href")
    return [link.strip() for link in links if link.strip()]


def whole_article_url(text: str, url: str, base_url: str | None = None) -> str | None:
    """CRI article pages name their all-in-one version in `#abody[pagedata]`."""
    if "pagedata" not in text:  # a substring test first: the regex scan costs more
        return None
    tag = ABODY_TAG.search(text)
    data = PAGEDATA.search(tag.group(0)) if tag else None
    if not data:
        return None
    try:
        all_url = json.loads(html.unescape(data["value"])).get("allUrl")
    except (ValueError, AttributeError):
        return None
    whole = urljoin(base_url or url, all_url) if all_url else None
    return whole if whole and whole != url else None


def continuation_urls(text: str, url: str, base_url: str | None = None) -> list[str]:
    """Further pages of a split article, in order: TRS `createPageHTML(n, 0, "<stem>", ext)`
    (→ <stem>_1.ext …) and people.com.cn page links <stem>-2.html …"""
    base_url = base_url or url
    stem = url.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = CREATE_PAGE_HTML.search(text)
    if match and match[3] == stem and int(match[1]) > 1:
        return [urljoin(base_url, name) for name in pager_urls(text)[1:]]
    if stem + "-" not in text:
        return []
    numbered = re.compile(re.escape(stem) + r"-(\d+)\.html$")
    found = {}
    for link in HREF.findall(text):
        if stem + "-" not in link:  # most links are menus: skip them before the costly urljoin
            continue
        joined = urljoin(base_url, html.unescape(link.strip()))
        hit = numbered.search(joined)
        if hit and int(hit[1]) >= 2:
            found[int(hit[1])] = joined
    return [found[number] for number in sorted(found)]


def attachment_links(text: str, base_url: str) -> list[tuple[str, str]]:
    """(URL, label) of each file an article page links (附件): a link whose URL, `download`
    or `title` attribute or text ends in an attachment extension, or whose label begins
    with 附件 or follows one (附件：<a>…</a>), and that leads to no page; the label is the
    link's file name if it gives one, else its text. Found with regular expressions, like
    every link of an article page."""
    found: dict[str, str] = {}
    for anchor in ANCHOR.finditer(text):
        before = text[max(0, anchor.start() - 80):anchor.start()]
        if "附件" not in before and not ATTACHMENT_MARK.search(anchor.group(0)):
            continue
        attributes, inner = anchor.groups()
        values = {name.lower(): html.unescape(a or b or c) for name, a, b, c in ATTRIBUTE.findall(attributes)}
        href = values.get("href", "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        words = html.unescape(TAG.sub("", inner)).strip()
        labels = [values.get("download", ""), values.get("title", ""), words]
        named = next((label for label in labels if extension_of(label.strip()) in EXTENSIONS), None)
        url = urljoin(base_url, href)
        if not url.startswith(("http://", "https://")):
            continue
        by_url = _url_extension(url) in EXTENSIONS
        labelled = any(ATTACHMENT_LABEL.match(label) for label in labels) or LABEL_BEFORE.search(
            html.unescape(TAG.sub("", before)))
        by_label = labelled and _url_extension(url) not in PAGE_EXTENSIONS
        if by_url or named or by_label:
            found.setdefault(url, (named or words or values.get("title", "")).strip())
    return list(found.items())


def _url_extension(url: str) -> str:
    """The extension of a URL's path, or of a file name in its query (download.jsp?filename=a.pdf)."""
    extension = extension_of(url)
    query = url.split("?", 1)[1] if "?" in url else ""
    if extension in EXTENSIONS or not query:
        return extension
    return next((extension_of(value) for value in re.split(r"[&=]", query) if extension_of(value) in EXTENSIONS),
                extension)
