"""Education text: Markdown with raw HTML off (markdown-it-py), then nh3 as the last line."""

import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "h3", "h4", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code"}
_parser = MarkdownIt("commonmark", {"html": False}).disable("image")
_cleaner = nh3.Cleaner(
    tags=TAGS,
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
)


def render(text: str) -> str:
    return _cleaner.clean(_parser.render(text or "")) if (text or "").strip() else ""
