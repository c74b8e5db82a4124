"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 (Ammonia) as the last line.

markdown-it escapes any HTML typed into a note and refuses `javascript:`/`vbscript:`/`data:`
links; nh3 then keeps only the tags a note needs (no images: a note never loads anything from
elsewhere), no `style` or event attributes, and only http(s) and mailto links.
"""

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)
_parser.disable("image")
_cleaner = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def render(text: str) -> str:
    """Safe HTML for one section or addendum written in Markdown."""
    if not text or not text.strip():
        return ""
    return _cleaner.clean(_parser.render(text))
