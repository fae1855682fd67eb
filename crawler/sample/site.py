"""Render the bundled sample sites (articles.yml × sites.yml × templates) into pages.

Pages are keyed by host + path of the real site's URL, so the crawler can fetch the
replica through a local proxy with the very URLs and source profiles of the real sites.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
import opencc
import yaml

from ..clean.normalize import to_simplified
from .attachments import attachment_file

HERE = Path(__file__).parent
SEEDS_DIR = HERE / "seeds"  # the seed pages shipped with the package (in a checkout: a link to seeds/)

# Labels of the people.com.cn template, in the GB original and the /BIG5/ mirror.
PEOPLE_LABELS = {
    "people": "人民网", "channel": "吉林频道", "small": "小字号", "topic": "点击进入专题", "chief": "责编",
    "share": "分享让更多人看到", "top": "返回顶部", "reporter": "人民网记者", "source_label": "来源：", "switch": "繁体",
}

# Dead, looping, binary and malformed links on one list page: real sites have them too.
BROKEN_PATHS = {
    "/20190710/00000000-0000-4000-8000-000000000404.html": ("missing", None),
    "/20190711/10000000-0000-4000-8000-00000000000a.html": ("redirect", "/20190711/10000000-0000-4000-8000-00000000000b.html"),
    "/20190711/10000000-0000-4000-8000-00000000000b.html": ("redirect", "/20190711/10000000-0000-4000-8000-00000000000a.html"),
    "/20190712/20000000-0000-4000-8000-000000000000.html": ("binary", None),
    "/20190713/30000000-0000-4000-8000-000000000000.html": ("malformed", None),
}
BINARY_BODY = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(range(256)) * 8
MALFORMED_BODY = b'<html><head><title>\xe5\x90\x89</title></head><body><div id="abody"><p><<<>>></p></div></tr></table></span'


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: bytes


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def load_yaml(name: str):
    with open(HERE / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _seed_paragraphs(spec: dict) -> list[str]:
    path = SEEDS_DIR / spec["file"]
    if not path.exists():
        raise FileNotFoundError(f"sample article text comes from {path}, which is missing")
    lines = path.read_text(encoding="utf-8").splitlines()
    chosen = [lines[number - 1] for first, last in spec["lines"] for number in range(first, last + 1)]
    return [line.strip() for line in chosen if line.strip()]


def _blocks(article: dict) -> list[dict]:
    paragraphs = _seed_paragraphs(article["seed"]) if "seed" in article else article["paragraphs"]
    blocks = [{"text": text} for text in paragraphs]
    for image in sorted(article.get("images", []), key=lambda i: i["before"], reverse=True):
        blocks.insert(image["before"], {"image": True, "caption": image["caption"]})
    return blocks


def _split_pages(path: str, context: dict, family: str, pages: int) -> list[tuple[str, dict]]:
    """An article placed with `split: N` is published over N pages the way its family does it:
    TRS <stem>_1.html … (announced by createPageHTML), people.com.cn <stem>-2.html …,
    CRI a first page plus an all-in-one page named in `pagedata` (allUrl)."""
    folder, name = path.rsplit("/", 1)
    stem = name.rsplit(".", 1)[0]
    base = {**context, "stem": stem}
    if pages == 1:
        return [(path, base)]
    blocks = context["blocks"]
    size = -(-len(blocks) // pages)
    chunks = [blocks[start:start + size] for start in range(0, len(blocks), size)]
    if family == "cri":
        all_path = f"{folder}/{stem}_all.html"
        return [(path, {**base, "blocks": chunks[0], "all_url": all_path}), (all_path, base)]
    paths = [path] + [f"{folder}/{stem}_{n}.html" if family == "trs" else f"{folder}/{stem}-{n + 1}.html"
                      for n in range(1, len(chunks))]
    return [(page_path, {**base, "blocks": chunk, "page_count": len(chunks), "page_index": index})
            for index, (page_path, chunk) in enumerate(zip(paths, chunks))]


class SampleSite:
    """All pages of the sample sites, keyed 'host/path'.

    For tests of a site that changes: `edits` maps a key to an (old, new) text replacement
    in that page, `overrides` replaces whole pages (a 404 for a removed article, an anti-bot
    challenge). Benchmarks pass their own `articles` (same shape as articles.yml), a larger
    `list_size` (articles per list page) and `chrome`, markup added to the end of every page
    (real portal pages carry tens of KB of menus and link lists).
    """

    def __init__(self, edits: dict[str, tuple[str, str]] | None = None, overrides: dict[str, Page] | None = None,
                 articles: list[dict] | None = None, list_size: int | None = None, chrome: str = ""):
        self.sites = load_yaml("sites.yml")
        self.chrome = chrome
        if list_size:
            for site in self.sites.values():
                if "list" in site:
                    site["list"]["per_page"] = list_size
        self.articles = load_yaml("articles.yml") if articles is None else articles
        self.edits = edits or {}
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
        self.pages: dict[str, Page] = {}
        self.broken_files: list[str] = []  # 'host/path' of the attachments served spoilt (`broken:`)
        for key, site in self.sites.items():
            if site.get("sitemap_of"):
                self._sitemaps(site, self.sites[site["sitemap_of"]], site["sitemap_of"])
            else:
                self._build(key, site)
        self.pages.update(overrides or {})

    def page(self, host: str, path: str) -> Page | None:
        host = host.lower()
        for key, site in self.sites.items():
            if site.get("any_date") and host == urlsplit(site["base"]).hostname and re.match(site["any_date"], path):
                path = site["list"]["path"]
        return self.pages.get(host + path)

    def article_pages(self, article: dict, spot: dict) -> list[Page]:
        """The pages that make up one placement of an article, whole: every page of a split
        TRS or people.com.cn article, the all-in-one page of a split CRI one."""
        site = self.sites[spot["site"]]
        context = self._article_context(article, spot, [])
        paths = [path for path, _ in _split_pages(spot["path"], context, site["family"], spot.get("split", 1))]
        if site["family"] == "cri" and len(paths) > 1:
            paths = paths[1:]
        host = urlsplit(site["base"]).hostname
        return [self.page(host, path) for path in paths]

    def hosts(self) -> list[str]:
        return [urlsplit(site["base"]).hostname for site in self.sites.values()]

    def hosts_with_broken_links(self) -> list[str]:
        """The replicas that plant BROKEN_PATHS (`broken_links` in sites.yml)."""
        return [urlsplit(site["base"]).hostname for site in self.sites.values() if site.get("broken_links")]

    def _build(self, key: str, site: dict) -> None:
        host = urlsplit(site["base"]).hostname
        placed = [(article, spot) for article in self.articles for spot in article["published"] if spot["site"] == key]
        placed.sort(key=lambda pair: pair[0]["date"], reverse=True)
        items = []
        for article, spot in placed:
            context = self._article_context(article, spot, placed)
            for path, page_context in _split_pages(spot["path"], context, site["family"], spot.get("split", 1)):
                html = self.env.get_template(f"{site['family']}/article.html").render(
                    site=site, a=page_context, **context["extra"])
                self._add(host, path, site, html)
            for spec in article.get("attachments", []):
                self._add_attachment(host, spot["path"].rsplit("/", 1)[0] + "/" + spec["file"], spec)
            item = {**context, "list_path": spot["path"], "mirror_path": None}
            if spot.get("unlisted"):  # reachable through the sitemap only
                continue
            if spot.get("big5"):
                mirror_path = "/BIG5" + spot["path"]
                self._add(host, mirror_path, {**site, "charset": site["mirror_charset"], "declared": "big5",
                                              "header": "text/html"}, self._mirror(site, article, spot, placed))
                item["mirror_path"] = mirror_path
                if spot.get("mirror_only"):
                    item["list_path"], item["mirror_path"] = mirror_path, None
            items.append(item)
        if site.get("broken_links"):
            items += [{"title": f"坏链接 {n}", "date": "2019-07-10", "list_path": path} for n, path in enumerate(BROKEN_PATHS)]
            for path, (kind, target) in BROKEN_PATHS.items():
                self._add_broken(host, path, kind, target)
        self._lists(host, site, items)
        self._robots(host, site)

    def _robots(self, host: str, site: dict) -> None:
        self.pages[host + "/robots.txt"] = Page(200, {"Content-Type": "text/plain"},
                                                 site.get("robots", "User-agent: *\nAllow: /\n").encode())

    def _sitemaps(self, site: dict, of: dict, key: str) -> None:
        """A two-level sitemap (index → channel sitemap → article <loc>s), people.com.cn style."""
        host = urlsplit(site["base"]).hostname
        child = f"{site['base']}/sitemap/{key}.xml"
        urls = [of["base"] + spot["path"] for article in self.articles for spot in article["published"]
                if spot["site"] == key]
        index = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' \
                f'<sitemap><loc>{child}</loc></sitemap><sitemap><loc>{site["base"]}/sitemap/world.xml</loc></sitemap></sitemapindex>'
        channel = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + \
                  "".join(f"<url><loc>{url}</loc></url>" for url in urls) + "</urlset>"
        xml = {"Content-Type": "application/xml"}
        self.pages[host + "/sitemap_index.xml"] = Page(200, xml, index.encode())
        self.pages[host + f"/sitemap/{key}.xml"] = Page(200, xml, channel.encode())
        self._robots(host, site)

    def _article_context(self, article: dict, spot: dict, placed: list, traditional: bool = False) -> dict:
        blocks = _blocks(article)
        if not traditional and article.get("seed", {}).get("script") == "traditional":
            blocks = [{**block, "text": to_simplified(block.get("text", ""))} for block in blocks]
        docid = "".join(ch for ch in spot["path"] if ch.isdigit())[-8:]
        date = article["date"]
        people_date = f"{date[:4]}年{date[5:7]}月{date[8:10]}日{date[11:16]}"
        related = [{"title": other["title"], "url": other_spot["path"]} for other, other_spot in placed
                   if other is not article][:3]
        labels = dict(PEOPLE_LABELS)
        return {**article, "blocks": blocks, "docid": docid, "contentid": docid, "people_date": people_date,
                "file": spot["path"].rsplit("/", 1)[-1], "file_path": "/".join(spot["path"].split("/")[-2:]),
                "resource_code": "01007005001000000000000001110000" + docid.rjust(10, "0"),
                "mirror_switch": "/BIG5" + spot["path"], "extra": {"related": related, "t": labels},
                "page_count": 1, "page_index": 0, "stem": "", "all_url": ""}

    def _mirror(self, site: dict, article: dict, spot: dict, placed: list) -> str:
        """The /BIG5/ page: same template, every string in Traditional characters."""
        convert = _s2t().convert
        context = self._article_context(article, spot, placed, traditional=True)
        seed_is_traditional = article.get("seed", {}).get("script") == "traditional"
        for name in ("title", "source", "editor", "author"):
            if context.get(name):
                context[name] = convert(context[name])
        if not seed_is_traditional:
            context["blocks"] = [{key: convert(value) if isinstance(value, str) else value
                                  for key, value in block.items()} for block in context["blocks"]]
        labels = {key: convert(value) for key, value in context["extra"]["t"].items()}
        labels["switch"], context["mirror_switch"] = "简体", spot["path"]
        related = [{**other, "title": convert(other["title"])} for other in context["extra"]["related"]]
        template = self.env.get_template(f"{site['family']}/article.html")
        return template.render(site={**site, "declared": "big5"}, a=context, related=related, t=labels)

    def _lists(self, host: str, site: dict, items: list[dict]) -> None:
        per_page = site["list"]["per_page"]
        chunks = [items[start:start + per_page] for start in range(0, len(items), per_page)] or [[]]
        folder, first = site["list"]["path"].rsplit("/", 1)
        stem, ext = first.rsplit(".", 1) if first else ("index", "html")
        paths = [site["list"]["path"]]
        for index in range(1, len(chunks)):
            if site["family"] == "people":
                paths.append(f"{folder}/{stem}{index + 1}.{ext}")  # people.com.cn: index.html, index2.html …
            elif site["list"].get("fragments"):
                paths.append(f"{site['list']['fragments']}-{index + 1}.inc")  # CRI: AJAX list fragments
            else:
                paths.append(f"{folder}/{stem}_{index}.{ext}")  # TRS createPageHTML: index.html, index_1.html …
        for index, chunk in enumerate(chunks):
            template = "fragment.html" if index and site["list"].get("fragments") else "list.html"
            html = self.env.get_template(f"{site['family']}/{template}").render(
                site=site, items=chunk, page_count=len(chunks), page_index=index,
                next_url=paths[index + 1] if index + 1 < len(paths) else None)
            self._add(host, paths[index], site, html)

    def _add(self, host: str, path: str, site: dict, html: str) -> None:
        old, new = self.edits.get(host + path, ("", ""))
        if old:
            html = html.replace(old, new)
        if self.chrome:
            end = html.rfind("</body>")
            html = html[:end] + self.chrome + html[end:] if end >= 0 else html + self.chrome
        body = html.encode(site["charset"], errors="xmlcharrefreplace")
        headers = {"Content-Type": site["header"], "ETag": '"%s"' % hashlib.sha1(body).hexdigest()[:16]}
        if site.get("last_modified"):
            headers["Last-Modified"] = site["last_modified"]
        self.pages[host + path] = Page(200, headers, body)

    def _add_attachment(self, host: str, path: str, spec: dict) -> None:
        """A file linked from an article; named by Content-Disposition in GBK bytes or RFC 5987
        when `disposition` says so (without one, the link's label names it)."""
        body, content_type = attachment_file(spec)
        if spec.get("broken"):
            self.broken_files.append(host + path)
        headers = {"Content-Type": content_type, "ETag": '"%s"' % hashlib.sha1(body).hexdigest()[:16]}
        name = spec["label"].split("：", 1)[-1]
        name += "" if name.endswith("." + spec["kind"]) else "." + spec["kind"]
        if spec.get("disposition") == "gbk":  # raw GBK bytes, as older Chinese servers send them
            headers["Content-Disposition"] = 'attachment; filename="%s"' % name.encode("gbk").decode("latin-1")
        elif spec.get("disposition") == "rfc5987":
            headers["Content-Disposition"] = f"attachment; filename=\"{spec['file']}\"; filename*=UTF-8''{quote(name)}"
        self.pages[host + path] = Page(200, headers, body)

    def _add_broken(self, host: str, path: str, kind: str, target: str | None) -> None:
        if kind == "redirect":
            self.pages[host + path] = Page(302, {"Location": target}, b"")
        elif kind == "binary":
            self.pages[host + path] = Page(200, {"Content-Type": "image/jpeg"}, BINARY_BODY)
        elif kind == "malformed":
            self.pages[host + path] = Page(200, {"Content-Type": "text/html; charset=utf-8"}, MALFORMED_BODY)
