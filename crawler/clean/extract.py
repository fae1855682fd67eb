"""Find the article in an HTML page: metadata, body lines and caption candidates.

Order of trust: a source profile's selectors, then the meta tags that Chinese government
sites must carry (ArticleTitle/PubDate/ContentSource) and the Baidu-news ids that many news
CMSs print. Without a profile the body is the densest container (density.py), with
trafilatura as a second opinion when the container is not sure of itself.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass, field

import htmldate
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from .captions import caption_hints
from .density import best_container, bigrams, hint_factor, link_texts, mostly_linked, prose_weight
from .headline import headline, title_of
from .markup import parse_html, render_lines
from .normalize import collapse_spaces
from .rules import DATE_LIKE, FIELD_HINTS

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
# Element ids that news CMSs print for Baidu News's crawler around the date, 来源, author and
# editor (cnjiwang, china.com.cn and many city portals).
BAIDU_IDS = {"date": "pubtime_baidu", "source": "source_baidu", "author": "author_baidu", "editor": "editor_baidu"}
_BAIDU_ELEMENTS = etree.XPath("//*[@id='pubtime_baidu' or @id='source_baidu' or @id='author_baidu' or @id='editor_baidu']")
_SELF_URL = etree.XPath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content | //text[@id]/@id")
MIN_PROSE = 10  # sentence marks: below this trafilatura found no article
NAMED_MAX = 30  # longest text of an element named as a field that is taken for its value


@dataclass
class Extracted:
    """What an HTML page holds: its tree, metadata fields, body lines and caption candidates."""

    tree: object = None
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    caption_hints: frozenset[str] = frozenset()
    article: object = None  # the article's element, when found generically

    def page_lines(self) -> list[str]:
        """Every line of the page (for metadata printed outside the body)."""
        return render_lines(self.tree.body if self.tree.find("body") is not None else self.tree)

    def named(self) -> dict[str, str]:
        """Values of elements named as a field (`named_fields`), for fields still missing."""
        return named_fields(self.tree, self.article)

    def page_title(self) -> str:
        return title_of(self.tree)

    def page_url(self) -> str | None:
        """The URL a saved page names for itself: its canonical link, og:url, or the URL a
        CleanEval wrapper <text id=…> keeps (a file cleaned with `clean` has no other)."""
        for found in _SELF_URL(self.tree):
            if found.startswith(("http://", "https://")):
                return found.strip()
        return None

    def markup_date(self, url: str | None = None) -> str | None:
        """htmldate (the URL's date, time elements, JSON-LD, date attributes, scripts): the
        last resort, for pages whose text, meta tags and URL rules name no date."""
        quick = htmldate.find_date(deepcopy(self.tree), url=url, extensive_search=False, original_date=True)
        return quick or htmldate.find_date(deepcopy(self.tree), url=url, extensive_search=True, original_date=True)


def extract_html(text: str, url: str | None = None, selectors: dict | None = None) -> Extracted:
    """Split an HTML page into metadata fields, body lines and caption candidates."""
    tree = parse_html(text)
    selectors = selectors or {}
    extracted = Extracted(tree=tree, fields=_meta_fields(tree))
    for name in ("title", "subtitle", "date", "source", "author", "editor"):
        value = _select_text(tree, selectors.get(name))
        if value:
            extracted.fields[name] = value
    extracted.caption_hints = caption_hints(tree)
    body = _select_one(tree, selectors.get("body"))
    if body is not None:
        skip = [found for selector in _selector_list(selectors.get("exclude")) for found in selector(body)]
        extracted.lines = render_lines(body, skip)
        if "title" not in extracted.fields:
            extracted.fields["title"] = headline(tree, body) or ""
    else:
        if selectors.get("body"):
            # Templates change silently: say so, then extract generically.
            logger.warning("body selector %r matched nothing on %s; using generic extraction", selectors["body"], url)
        _generic_body(tree, url, extracted)
    extracted.fields = {name: value for name, value in extracted.fields.items() if value}
    return extracted


def _generic_body(tree, url, extracted: Extracted) -> None:
    """Body from the densest container, or from trafilatura when it reads better. A container
    the page names as its article, long and free of links, needs no second opinion: that
    saves trafilatura's run on most article pages (bench/extraction.py)."""
    container = best_container(tree)
    dense_lines = container.lines() if container is not None else []
    extracted.article = container.element if container is not None else None
    extracted.fields.setdefault("title", headline(tree, container.element if container is not None else None))
    if container is not None and container.sure:
        extracted.lines = dense_lines
        return
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        include_images=False, deduplicate=False,
    )
    trafilatura_lines = (document.text or "").splitlines() if document is not None else []
    extracted.lines = _arbitrate(trafilatura_lines, dense_lines, lambda: link_texts(tree))


def _arbitrate(extracted: list[str], dense: list[str], linked=frozenset) -> list[str]:
    """Choose between trafilatura's lines and the densest container's.

    The container wins when it is (nearly) a subset of what trafilatura found and keeps at
    least 40 % of its prose — trafilatura tends to take in comment notices and lists around
    the article — or when trafilatura found next to no prose at all. Lines that are the text
    of a link on the page are not prose: related headlines, however many commas they have
    (`linked()` gives the bigrams of the page's link texts; called only when it matters).
    When the two disagree, trafilatura wins: the densest block was then some other list.
    """
    dense_weight = sum(prose_weight(line) for line in dense)
    if dense_weight == 0:
        return extracted
    weights = [prose_weight(line) for line in extracted]
    if sum(weights) < MIN_PROSE and dense_weight > 2 * sum(weights):
        return dense
    if containment(dense, extracted) < 0.8:
        return extracted
    if dense_weight >= 0.4 * sum(weights):
        return dense
    grams = linked()
    prose = sum(weight for weight, line in zip(weights, extracted) if weight and not mostly_linked(line, grams))
    return dense if dense_weight >= 0.4 * prose else extracted


def containment(inner: list[str], outer: list[str]) -> float:
    """Share of the character bigrams of `inner` that also occur in `outer`."""
    inner_grams, outer_grams = bigrams(inner), bigrams(outer)
    return sum((inner_grams & outer_grams).values()) / max(1, sum(inner_grams.values()))


def named_fields(tree, article) -> dict[str, str]:
    """Short texts of elements above or in the article whose class/id names a field (see
    [field_hints]), outside lists and comment boxes; the first of each field wins."""
    found: dict[str, str] = {}
    if article is None:
        return found
    *_, last = article.iter()
    for element in tree.iter():
        names = f"{element.get('class', '')} {element.get('id', '')}" if isinstance(element.tag, str) else " "
        name = FIELD_HINTS.field_of(names) if names != " " else None
        if name and name not in found and hint_factor(element) >= 1.0:
            text = collapse_spaces(element.text_content())
            if 2 <= len(text) <= NAMED_MAX and not DATE_LIKE.search(text):
                found[name] = text
        if element is last:
            break
    return found


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


