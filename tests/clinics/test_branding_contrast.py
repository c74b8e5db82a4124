"""The clinic colour is darkened only where text on it, or links in it, would not reach WCAG AA."""

import pytest

from clinics.templatetags.branding import (
    FLAGGED_ROW_BG,
    _contrast,
    _luminance,
    _rgb,
    contrast_text,
    link_colour,
    readable_fill,
)

CLINIC_COLOURS = ["#0d6efd", "#0f766e", "#e4572e", "#2a9d8f", "#ffcc00", "#ff0000", "#ffffff"]


def contrast(a, b) -> float:
    return _contrast(_luminance(_rgb(a)), _luminance(_rgb(b)))


@pytest.mark.parametrize("colour", CLINIC_COLOURS)
def test_buttons_and_navbar_text_read_at_4_5_to_1(colour):
    fill = readable_fill(colour)
    assert contrast(fill, contrast_text(fill)) >= 4.5


@pytest.mark.parametrize("colour", CLINIC_COLOURS)
def test_links_read_at_4_5_to_1_on_a_flagged_row(colour):
    assert contrast(link_colour(colour), FLAGGED_ROW_BG) >= 4.5
    assert contrast(link_colour(colour), "#ffffff") >= 4.5


def test_a_colour_that_already_reads_well_is_kept():
    assert readable_fill("#0f766e") == "#0f766e"
    assert readable_fill("#e4572e") != "#e4572e"  # orange: ~4:1 with white or black text
