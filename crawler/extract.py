"""Find the article in an HTML page: metadata, body lines and caption candidates.

Order of trust: a source profile's selectors, then the meta tags that Chinese government
sites must carry (ArticleTitle/PubDate/ContentSource) and the Baidu-news ids that many news
CMSs print, then trafilatura for the body and whatever metadata is still missing.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field

import htmldate
import lxml.html
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from .density import best_container, prose_weight
from .normalize import collapse_spaces, halfwidth

logger = logging.getLogger(__name__)

# <meta name=…> and <meta property=…> that carry article metadata, by trust.
META_FIELDS = {
    "title": ["ArticleTitle"],
    "date": ["PubDate", "article:published_time"],
    "source": ["ContentSource"],
    # Weaker hints, used only when the page itself prints nothing better: often a date
    # without its time, or a CMS user rather than the byline.
    "late_date": ["publishdate", "pubdate", "publish_time", "publishtime", "firstpublishedtime",
                  "og:release_date", "article:published", "weibo:article:create_at"],
    "late_author": ["author", "article:author"],
}
# Element ids printed by news CMSs for Baidu News (SOURCES.md §1.4).
BAIDU_IDS = {"date": "pubtime_baidu", "source": "source_baidu", "author": "author_baidu", "editor": "editor_baidu"}
_BAIDU_ELEMENTS = etree.XPath("//*[@id='pubtime_baidu' or @id='source_baidu' or @id='author_baidu' or @id='editor_baidu']")

BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 table tr td th section article header footer "
    "blockquote figure figcaption pre dd dt dl center founder-content".split()
)
SKIP_TAGS = frozenset("script style noscript iframe select option button svg form textarea head".split())


@dataclass
class PageParts:
    tree: object = None
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    caption_hints: frozenset[str] = frozenset()

    def page_lines(self) -> list[str]:
        """Every line of the page (for metadata printed outside the body)."""
        return render_lines(self.tree.body if self.tree.find("body") is not None else self.tree)

    def markup_date(self) -> str | None:
        """htmldate (time elements, JSON-LD, date attributes, scripts): the last resort, for
        pages whose text, meta tags and URL name no date."""
        quick = htmldate.find_date(deepcopy(self.tree), extensive_search=False, original_date=True)
        return quick or htmldate.find_date(deepcopy(self.tree), extensive_search=True, original_date=True)


class NotHTML(ValueError):
    """The document has no HTML body to extract from."""


def extract_html(text: str, url: str | None = None, selectors: dict | None = None) -> PageParts:
    """Split an HTML page into metadata fields, body lines and caption candidates."""
    tree = _parse(text)
    selectors = selectors or {}
    parts = PageParts(tree=tree, fields=_meta_fields(tree))
    for name in ("title", "subtitle", "date", "source", "author", "editor"):
        value = _select_text(tree, selectors.get(name))
        if value:
            parts.fields[name] = value
    parts.caption_hints = _caption_hints(tree)
    body = _select_one(tree, selectors.get("body"))
    skip = _selector_list(selectors.get("exclude"))
    if body is not None:
        parts.lines = render_lines(body, skip)
        if "title" not in parts.fields:
            parts.fields["title"] = _headline(tree, body) or ""
    else:
        if selectors.get("body"):
            # Templates change silently: say so, then extract generically.
            logger.warning("body selector %r matched nothing on %s; using generic extraction", selectors["body"], url)
        _with_trafilatura(tree, url, parts)
    parts.fields = {name: value for name, value in parts.fields.items() if value}
    return parts


def _parse(text: str) -> lxml.html.HtmlElement:
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


# Browsers ignore a </body> or </html> in mid-document (left by a server-side include);
# libxml2 stops parsing there and would lose the article after it.
_STRAY_END_TAG = re.compile(r"</(?:body|html)\s*>", re.I)
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def _with_trafilatura(tree, url, parts: PageParts) -> None:
    """Body from trafilatura or from the densest container, whichever reads better."""
    container = best_container(tree)
    dense_lines = render_lines(container) if container is not None else []
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        include_images=False, deduplicate=False,
    )
    extracted = (document.text or "").splitlines() if document is not None else []
    parts.lines = _arbitrate(extracted, dense_lines)
    parts.fields.setdefault("title", _headline(tree, container))


def _arbitrate(extracted: list[str], dense: list[str]) -> list[str]:
    """Choose between trafilatura's lines and the densest container's.

    The container wins when it is (nearly) a subset of what trafilatura found and keeps at
    least 40 % of its prose — trafilatura tends to take in comment notices and lists around
    the article — or when trafilatura found next to no prose at all. When the two disagree,
    trafilatura wins: the densest block was then some other dense list.
    """
    dense_weight = sum(prose_weight(line) for line in dense)
    extracted_weight = sum(prose_weight(line) for line in extracted)
    if dense_weight == 0:
        return extracted
    if extracted_weight < MIN_PROSE and dense_weight > 2 * extracted_weight:
        return dense
    if dense_weight >= 0.4 * extracted_weight and containment(dense, extracted) >= 0.8:
        return dense
    return extracted


MIN_PROSE = 10  # sentence marks: below this trafilatura found no article


def containment(inner: list[str], outer: list[str]) -> float:
    """Share of the character bigrams of `inner` that also occur in `outer`."""
    inner_grams, outer_grams = _bigrams(inner), _bigrams(outer)
    return sum((inner_grams & outer_grams).values()) / max(1, sum(inner_grams.values()))


def _bigrams(lines: list[str]) -> Counter:
    text = re.sub(r"\s+", "", "".join(lines))
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def _meta_fields(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    metas = {}
    for meta in tree.iter("meta"):
        key = meta.get("name") or meta.get("property")
        if key and meta.get("content"):
            metas.setdefault(key.lower(), meta.get("content").strip())
    for name, keys in META_FIELDS.items():
        for key in keys:
            if metas.get(key.lower()):
                found[name] = metas[key.lower()]
                break
    by_id = {element.get("id"): element for element in _BAIDU_ELEMENTS(tree)}
    for name, element_id in BAIDU_IDS.items():
        text = collapse_spaces(by_id[element_id].text_content()) if element_id in by_id else ""
        if text:
            found[name] = text
    return found


def _headline(tree, article=None) -> str | None:
    """The headline: the longest heading (or og:title, or element whose class/id says
    'title') that the page's <title> contains; else the single <h1>; else the <title>
    without its site suffix ('标题_网站', '标题-频道-网站'); else the heading right above the
    `article` element; else the whole <title>."""
    page_title = collapse_spaces(tree.findtext(".//title") or "")
    candidates = [collapse_spaces(element.text_content()) for element in _TITLE_ELEMENTS(tree)]
    candidates += [meta.get("content", "") for meta in tree.iter("meta") if meta.get("property") == "og:title"]
    squeezed = _squeeze(page_title)
    inside = [text for text in candidates if 4 <= len(text) <= 100 and _squeeze(text) in squeezed]
    if inside:
        return max(inside, key=len)
    headings = [text for text in (collapse_spaces(h.text_content()) for h in tree.iter("h1")) if text]
    if len(headings) == 1:
        return headings[0]
    segments = [part for part in TITLE_SEPARATORS.split(page_title) if part]
    if segments and len(segments[0]) >= 6:
        return segments[0]
    return _heading_above(article) or page_title or None


def _heading_above(article) -> str | None:
    """The heading right before the article element, for a <title> that names only the
    column and the site ('新闻动态--中国地理学会官网' over an <h5> headline: REAL gsc_1)."""
    headings = _HEADINGS_BEFORE(article) if article is not None else []
    text = collapse_spaces(headings[-1].text_content()) if headings else ""
    return text if 6 <= len(text) <= 100 else None


_HEADINGS_BEFORE = etree.XPath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")


_TITLE_ELEMENTS = CSSSelector("h1, h2, h3, [class*=title], [id*=title], [class*=Title], [id*=Title]")
# Separators before a site suffix: '标题_网站', '标题 | 网站', '标题-频道-网站' (a hyphen only
# when short segments follow it to the end, so hyphens inside a headline stay).
TITLE_SEPARATORS = re.compile(r"\s*(?:_+|\||--+|\s-\s|-(?=[^-]{2,12}(?:-[^-]{2,12})*$)|–|—(?!—))\s*")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", halfwidth(text))


def _selector_list(css: str | list | None) -> list[CSSSelector]:
    if not css:
        return []
    return [CSSSelector(item) for item in ([css] if isinstance(css, str) else css)]


def _select_one(tree, css):
    for selector in _selector_list(css):
        found = selector(tree)
        if found:
            return found[0]
    return None


def _select_text(tree, css) -> str | None:
    """Text of every element the first matching selector finds, space-joined
    (a group like '#aeditor, #aeditor2' gathers both editor spans)."""
    for selector in _selector_list(css):
        texts = [collapse_spaces(found.text_content()) for found in selector(tree)]
        if any(texts):
            return " ".join(text for text in texts if text)
    return None


def _caption_hints(tree) -> frozenset[str]:
    """Texts that sit under a picture: <figcaption>, a short block right after an
    image-only block (the usual <p><img></p><p>caption</p> of Chinese CMS editors, also
    with the image wrapped in spans), or a short element set right beside the image."""
    hints = {collapse_spaces(caption.text_content()) for caption in tree.iter("figcaption")}
    for image in tree.iter("img"):
        candidates = [image.getnext()] if not (image.tail or "").strip() else []
        holder = _picture_block(image)
        following = holder.getnext() if holder is not None else None
        if following is not None and (_centred(following) or not _centred(holder)):
            candidates.append(following)  # a centred picture's caption is centred too
        for candidate in candidates:
            if candidate is not None and isinstance(candidate.tag, str) and candidate.tag not in SKIP_TAGS:
                text = collapse_spaces(candidate.text_content())
                if 0 < len(text) <= 80 and candidate.find(".//img") is None:
                    hints.add(text)
    return frozenset(hint for hint in hints if hint)


def _picture_block(image):
    """The outermost element around an image that shows no text, if any."""
    block = image.getparent()
    if block is None or _shows_text(block):
        return None
    while (parent := block.getparent()) is not None and not _shows_text(parent):
        block = parent
    return block


def _centred(element) -> bool:
    return (element.get("align") or "").lower() == "center" or "center" in (element.get("style") or "").lower()


def _shows_text(element) -> bool:
    return any(text.strip() for text in element.itertext())


def render_lines(element, skip: list[CSSSelector] | None = None) -> list[str]:
    """Text of an element, one line per block, without touching the tree."""
    skipped = {id(found) for selector in (skip or []) for found in selector(element)}
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
