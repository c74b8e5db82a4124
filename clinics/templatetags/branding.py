"""The clinic colour on pages and e-mails: base.html's CSS variables (`{% theme_variables %}`:
fill, link, hover shades, RGB triples), the navbar's dark or light text (`is_dark`), and the text
colour (white or near-black) that contrasts best with a colour (WCAG relative luminance)."""

import functools
import re

from django import template
from django.utils.html import format_html

register = template.Library()

DEFAULT_COLOUR = "#0d6efd"
DARK_TEXT = "#212529"
LIGHT_TEXT = "#ffffff"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _rgb(colour) -> tuple[int, int, int]:
    colour = colour if isinstance(colour, str) and _HEX.match(colour) else DEFAULT_COLOUR
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _luminance(rgb) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(l1: float, l2: float) -> float:
    high, low = max(l1, l2), min(l1, l2)
    return (high + 0.05) / (low + 0.05)


@register.filter
def safe_colour(colour) -> str:
    """The colour itself when it is a #rrggbb value, else the default: nothing else reaches CSS."""
    return "#{:02x}{:02x}{:02x}".format(*_rgb(colour))


def rgb_triple(colour) -> str:
    """`13, 110, 253`, for Bootstrap's `--bs-primary-rgb`."""
    return ", ".join(str(v) for v in _rgb(colour))


def shade(colour, percent=15) -> str:
    """The colour mixed with black (positive percent) or white (negative), for hover states."""
    try:
        amount = max(-100, min(100, int(percent))) / 100
    except (TypeError, ValueError):
        amount = 0.15
    target = 0 if amount >= 0 else 255
    mixed = (round(v + (target - v) * abs(amount)) for v in _rgb(colour))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


@register.filter
def contrast_text(colour) -> str:
    """White or near-black, whichever reads better on `colour`."""
    lum = _luminance(_rgb(colour))
    dark = _contrast(lum, _luminance(_rgb(DARK_TEXT)))
    light = _contrast(lum, 1.0)
    return LIGHT_TEXT if light >= dark else DARK_TEXT


@register.filter
def is_dark(colour) -> bool:
    """True when white text is the better choice (use `data-bs-theme="dark"` on the navbar)."""
    return contrast_text(colour) == LIGHT_TEXT


# The darkest light background a link sits on: a flagged table row (`table-danger`) under the
# hover/stripe tint; a link readable there is readable on every alert and tinted row.
FLAGGED_ROW_BG = "#eccccf"
READABLE = 4.5  # WCAG AA for body text


def _darkened_until(colour, readable) -> str:
    """`colour` mixed with black in 5 % steps until `readable(candidate)` holds."""
    for percent in range(0, 101, 5):
        candidate = shade(colour, percent)
        if readable(candidate):
            return candidate
    return "#000000"


@register.filter
def readable_fill(colour) -> str:
    """The clinic colour as a background (navbar, buttons): darkened just enough for its
    `contrast_text` to reach 4.5:1 (mid-tones such as #e4572e reach only ~4:1 either way)."""

    def readable(candidate):
        text = _luminance(_rgb(contrast_text(candidate)))
        return _contrast(_luminance(_rgb(candidate)), text) >= READABLE

    return _darkened_until(colour, readable)


def link_colour(colour) -> str:
    """The clinic colour for link text: darkened until it reads at 4.5:1 on a flagged row."""
    row = _luminance(_rgb(FLAGGED_ROW_BG))
    return _darkened_until(colour, lambda c: _contrast(_luminance(_rgb(c)), row) >= READABLE)


THEME = """:root {{
      --hp-primary: {colour};
      --hp-fill: {fill};
      --hp-primary-rgb: {fill_rgb};
      --hp-primary-hover: {fill_hover};
      --hp-primary-active: {fill_active};
      --hp-on-primary: {on_fill};
      --bs-primary: var(--hp-fill);
      --bs-primary-rgb: var(--hp-primary-rgb);
      --bs-link-color: {link};
      --bs-link-color-rgb: {link_rgb};
      --bs-link-hover-color: {link_hover};
      --bs-link-hover-color-rgb: {link_hover_rgb};
    }}"""


@register.simple_tag
def theme_variables(colour) -> str:
    """base.html's CSS variables for the clinic's colour. Derived once per colour: the dozen
    filters that drew them on every page took ~900 Python calls a request."""
    return _theme_variables(safe_colour(colour))


@functools.lru_cache(maxsize=256)
def _theme_variables(colour: str) -> str:
    fill, link = readable_fill(colour), link_colour(colour)
    link_hover = shade(link, 20)
    return format_html(
        THEME,
        colour=colour,
        fill=fill,
        fill_rgb=rgb_triple(fill),
        fill_hover=shade(fill, 15),
        fill_active=shade(fill, 25),
        on_fill=contrast_text(fill),
        link=link,
        link_rgb=rgb_triple(link),
        link_hover=link_hover,
        link_hover_rgb=rgb_triple(link_hover),
    )
