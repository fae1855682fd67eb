"""Find the article container by where the sentences are (text-density scoring).

Chinese article text is dense in sentence punctuation and poor in links; navigation,
related-article lists, players and footers are the opposite. One bottom-up pass counts, for
every element, its characters, linked characters and sentence marks (script and style text
never counts). Every paragraph scores by its punctuation and length; its parent collects the
score, its grandparent half of it (readability's scheme). A candidate's score is then
discounted by its link density and weighed by what its class/id says it is ([container_hints]
in rules.toml, both ways). A block whose text is mostly links is never the article.

The chosen container is cut back and grown the way readability-lxml does it: link lists,
players and hinted-away blocks inside it are skipped, and sibling blocks that continue the
article's prose (a long article split over several <div>s) are joined to it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

from .markup import render_lines
from .rules import CONTAINER_HINTS

SENTENCE_MARKS = re.compile(r"[，。！？；：、“”,!?;](?=.)|[，。！？；…”]$")
PARAGRAPH_TAGS = frozenset("p td pre blockquote li section div font span dd".split())
BLOCK_CHILDREN = frozenset("p div table ul ol dl section article".split())
SKIPPED = frozenset("script style noscript iframe select option button svg form textarea head nav footer header aside".split())
NOISE_BLOCKS = ("div", "table", "ul", "ol", "dl", "section", "center", "aside", "figure")
MIN_LINK_RUN = 3  # headlines in a row at the end of the container that make a related list
ATTACHMENT = re.compile(r"附件|\.(?:pdf|docx?|xlsx?|wps|et|ofd|zip|rar|txt)\b", re.I)
_WORD = re.compile(r"[^\W_]")
SURE_MARKS, SURE_LINKS = 20, 0.2  # a container named as the article with this much prose and few links
TOP = 10  # candidates compared after the link-density discount
MOSTLY_LINKS = 0.5  # a block with more linked text than this is a list, never the article
HINT_FACTORS = {1: 1.25, 0: 1.0, -1: 0.5}
HINT_DEPTH = 3  # ancestors whose negative names an element inherits
SIBLING_SHARE = 0.2  # a sibling joins when its own score reaches this share of the container's


def prose_weight(text: str) -> int:
    """How much of a text reads as sentences: its sentence punctuation marks."""
    return len(SENTENCE_MARKS.findall(text))


@dataclass
class Stats:
    """Characters, linked characters and sentence marks outside links under one element
    (script and style text excluded)."""

    chars: int = 0
    linked: int = 0
    marks: int = 0
    direct_chars: int = 0  # text set directly in the element, not in its children
    direct_marks: int = 0

    @property
    def link_density(self) -> float:
        return min(self.linked / self.chars, 1.0) if self.chars else 1.0


@dataclass
class Container:
    """The article's block, the sibling blocks its text runs on into, and the blocks inside
    them to leave out (link lists, players, share bars)."""

    blocks: list
    skipped: set = field(default_factory=set)
    sure: bool = False  # named as the article, long and free of links: no second opinion needed

    @property
    def element(self):
        return self.blocks[0]

    def lines(self) -> list[str]:
        lines = [line for block in self.blocks for line in render_lines(block, self.skipped)]
        while lines and not _WORD.search(lines[-1]):
            lines.pop()
        return lines


def link_texts(tree) -> frozenset:
    """The character bigrams of the text of every link under an element (to tell a line of
    headlines, bulleted or dated as an extractor renders it, from prose)."""
    return frozenset(bigrams([link.text_content() for link in tree.iter("a")]))


def mostly_linked(line: str, linked: frozenset) -> bool:
    grams = bigrams([line])
    return bool(grams) and sum(count for gram, count in grams.items() if gram in linked) >= 0.6 * sum(grams.values())


def bigrams(lines: list[str]) -> Counter:
    text = re.sub(r"\s+", "", "".join(lines))
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def best_container(tree) -> Container | None:
    """The elements holding the article's paragraphs, or None when no text reads as prose."""
    stats = element_stats(tree)
    scores = _paragraph_scores(tree, stats)
    ranked = sorted(((score * hint_factor(element), element) for element, score in scores.items()
                     if element.tag not in ("body", "html")), key=lambda pair: pair[0], reverse=True)[:TOP]
    candidates = []
    for score, element in ranked:
        noise = _noise_inside(element, stats)
        net = _net(stats[element], [stats[block] for block in noise])
        if net.link_density < MOSTLY_LINKS:
            candidates.append((score * (1 - net.link_density), element, noise, net))
    if not candidates:
        return None
    score, element, noise, net = max(candidates, key=lambda candidate: candidate[0])
    blocks = _with_siblings(element, score, scores, stats)
    skipped = set(noise).union(*(_noise_inside(block, stats) for block in blocks if block is not element))
    sure = name_hint(element) > 0 and net.marks >= SURE_MARKS and net.link_density < SURE_LINKS
    return Container(blocks, skipped, sure)


def _net(whole: Stats, parts: list[Stats]) -> Stats:
    """The stats of an element without some blocks inside it."""
    return Stats(whole.chars - sum(part.chars for part in parts), whole.linked - sum(part.linked for part in parts),
                 whole.marks - sum(part.marks for part in parts), whole.direct_chars, whole.direct_marks)


def element_stats(tree) -> dict:
    """Stats of every element, children before parents (reverse document order)."""
    stats: dict = {}
    elements = [element for element in tree.iter() if isinstance(element.tag, str)]
    for element in reversed(elements):
        text = element.text or ""
        chars, marks, linked = len(text), prose_weight(text), 0
        direct_chars, direct_marks = len(text.strip()), marks
        for child in element:
            tail = child.tail or ""
            tail_marks = prose_weight(tail)
            chars += len(tail)
            marks += tail_marks
            direct_chars += len(tail.strip())
            direct_marks += tail_marks
            inner = stats.get(child)
            if inner is not None and child.tag not in SKIPPED:
                chars += inner.chars
                linked += inner.linked
                marks += inner.marks
        if element.tag == "a":  # a headline's commas are not prose
            stats[element] = Stats(chars, chars, 0)
        else:
            stats[element] = Stats(chars, linked, marks, direct_chars, direct_marks)
    return stats


def _paragraph_scores(tree, stats) -> dict:
    """Paragraph scores collected by parents (in full) and grandparents (half). A paragraph is
    an element without block children, or the text set directly in a block between its
    children (a CMS that writes the whole article as one text node beside an empty <p/>)."""
    scores: dict = {}
    skipped = {node for root in tree.iter(*SKIPPED) for node in root.iter()}
    for paragraph in tree.iter(*PARAGRAPH_TAGS):
        if paragraph in skipped:
            continue
        own = stats[paragraph]
        if _has_block_child(paragraph):
            if own.direct_chars < 10 or own.direct_marks == 0:
                continue
            score, parent = own.direct_marks + min(own.direct_chars / 100, 3), paragraph
        else:
            if own.chars < 10 or own.marks == 0:
                continue
            score, parent = (own.marks + min(own.chars / 100, 3)) * (1 - own.link_density), paragraph.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + score / 2
    return scores


def hint_factor(element) -> float:
    """What class and id names say about an element: article words raise its score; the words
    of lists, players, comments and page furniture, on it or on a near ancestor (a <tr> inside
    '#AdZone'), lower it."""
    hint = name_hint(element)
    for ancestor in islice(element.iterancestors(), HINT_DEPTH):
        if hint:
            break
        hint = min(name_hint(ancestor), 0)
    return HINT_FACTORS[hint]


def name_hint(element) -> int:
    """+1 when an element's class/id names an article block, -1 a list, player or furniture."""
    names = f"{element.get('class', '')} {element.get('id', '')}"
    return CONTAINER_HINTS.of(names) if names != " " else 0


def _with_siblings(element, score: float, scores: dict, stats: dict) -> list:
    """The container and the siblings its prose continues into, in document order."""
    parent = element.getparent()
    if parent is None:
        return [element]
    threshold = max(10.0, SIBLING_SHARE * score)
    blocks = []
    for sibling in parent:
        if sibling is element:
            blocks.append(sibling)
        elif isinstance(sibling.tag, str) and sibling.tag == element.tag and sibling.tag not in SKIPPED:
            own = stats.get(sibling)
            if (own is not None and own.link_density < 0.25 and hint_factor(sibling) >= 1.0
                    and scores.get(sibling, 0.0) >= threshold):
                blocks.append(sibling)
    return blocks


def _noise_inside(container, stats: dict) -> list:
    """Blocks inside the container that are not the article: mostly links (related lists,
    tag clouds, share bars) or named as page furniture, with little prose of their own
    (outermost ones only)."""
    found = _link_run(container, stats)
    total = max(stats[container].marks, 1)
    pending = [child for child in container if isinstance(child.tag, str)]
    while pending:
        block = pending.pop()
        own = stats.get(block)
        if own is None or own.chars == 0:
            continue
        if block.tag in NOISE_BLOCKS and own.marks < 0.3 * total and (
                hint_factor(block) < 1.0 or (own.link_density > MOSTLY_LINKS and own.chars >= 8)):
            found.append(block)
        else:
            pending.extend(child for child in block if isinstance(child.tag, str))
    return found


def _link_run(container, stats: dict) -> list:
    """Headlines set inline after the article's last paragraph (<b><a>…</a></b><br> …): the
    run of linked children at the end of the container, when there are enough of them."""
    run = []
    for child in reversed(container):
        if not isinstance(child.tag, str) or child.tag in SKIPPED:
            continue
        own = stats.get(child)
        if _WORD.search(child.tail or "") or own is None:
            break
        if own.chars == 0:
            continue
        if own.linked < 0.9 * own.chars or ATTACHMENT.search(child.text_content()):
            break
        run.append(child)
    return run if len(run) >= MIN_LINK_RUN else []


def _has_block_child(element) -> bool:
    return any(isinstance(child.tag, str) and child.tag in BLOCK_CHILDREN for child in element)
