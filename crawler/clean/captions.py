"""Caption candidates: the texts that sit under a picture in an HTML page.

They are hints for the line reader (lines.py): a candidate line right after a picture is
filed as a caption instead of body, unless the rule table says it reads as prose.
"""

from __future__ import annotations

from .markup import SKIP_TAGS
from .normalize import collapse_spaces


def caption_hints(tree) -> frozenset[str]:
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
