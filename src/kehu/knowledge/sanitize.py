"""Article bodies are HTML written by editors; this allowlist decides what of it survives.

``clean`` runs when an article is saved (``knowledge.services``) and again every time a body is
shown (the ``knowledge_html`` template filter, the only place that marks article HTML safe), so a
row written some other way (admin, SQL, an older allowlist) is still shown inert.

Kept: paragraphs and line breaks, headings h2–h4 (h1 is the page's), lists, links to http, https
and mailto addresses or relative ones (given ``rel="noopener noreferrer"``), strong, em, code, pre,
blockquote, hr, tables, and images from https or relative addresses with their alt text.
Everything else is dropped: scripts, styles and style attributes, event handlers (``on…``),
iframes, objects, forms, SVG and MathML (with their content), ``javascript:`` and ``data:``
URLs, classes and ids (no clobbering the page's own elements).
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "code", "pre",
    "blockquote", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "img",
})
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with everything inside them (the rest of the unknown tags keep their text).
DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "noembed", "template", "svg", "math", "textarea", "select", "title", "head",
})
_NUMBER = re.compile(r"\d{1,4}")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _image_source_allowed(url: str) -> bool:
    """https, or relative to this site; never http (mixed content), protocol-relative or data:."""
    url = url.strip()
    if url.lower().startswith("https://"):
        return True
    return not url.startswith(("//", "\\")) and _SCHEME.match(url) is None


def _attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src":
        return value if _image_source_allowed(value) else None
    if name in {"width", "height", "colspan", "rowspan", "start"}:
        return value if _NUMBER.fullmatch(value.strip()) else None
    if name == "scope":
        return value if value in {"row", "col", "rowgroup", "colgroup"} else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(DROP_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=_attribute,
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def clean(body: str) -> str:
    """The allowlisted part of ``body`` (see the module doc)."""
    return _cleaner.clean(body or "").strip()


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def text_of(body: str) -> str:
    """The words of an article body without its markup (for the search index and excerpts)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", clean(body)))).strip()


def excerpt(body: str, length: int = 160) -> str:
    text = text_of(body)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
