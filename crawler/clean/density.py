"""Find the article container by where the sentences are (text-density scoring).

Chinese article text is dense in sentence punctuation and poor in links; navigation,
related-article lists and footers are the opposite. Every paragraph scores by its
punctuation and length; its parent collects the score, its grandparent half of it
(readability's scheme), discounted by the parent's link density. The best-scoring element
is the container; `prose_weight` lets the caller compare it with another extractor's output.
"""

from __future__ import annotations

import re

SENTENCE_MARKS = re.compile(r"[，。！？；：、“”,!?;](?=.)|[，。！？；…”]$")
PARAGRAPH_TAGS = ("p", "td", "pre", "blockquote", "li", "section", "div", "font", "span")
SKIPPED = frozenset("script style noscript iframe select option button svg form textarea head nav footer header aside".split())
TOP = 8  # link density is costly: weigh it for the best-scoring candidates only


def prose_weight(text: str) -> int:
    """How much of a text reads as sentences: its sentence punctuation marks."""
    return len(SENTENCE_MARKS.findall(text))


def best_container(tree):
    """The element holding the article's paragraphs, or None when no text reads as prose."""
    scores: dict = {}
    skipped = {node for root in tree.iter(*SKIPPED) for node in root.iter()}
    for paragraph in tree.iter(*PARAGRAPH_TAGS):
        if paragraph in skipped or _has_block_child(paragraph):
            continue
        text = paragraph.text_content().strip()
        weight = prose_weight(text)
        if len(text) < 10 or weight == 0:
            continue
        score = weight + min(len(text) / 100, 3)
        parent = paragraph.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + score / 2
    candidates = sorted(((score, element) for element, score in scores.items() if element.tag not in ("body", "html")),
                        key=lambda pair: pair[0], reverse=True)[:TOP]
    if not candidates:
        return None
    return max(candidates, key=lambda pair: pair[0] * (1 - link_density(pair[1])))[1]


def link_density(element) -> float:
    text = len(element.text_content()) or 1
    linked = sum(len(link.text_content()) for link in element.iter("a"))
    return min(linked / text, 1.0)


def _has_block_child(element) -> bool:
    return any(isinstance(child.tag, str) and child.tag in ("p", "div", "table", "ul", "section") for child in element)
