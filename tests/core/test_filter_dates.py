"""The list filters' date field (core.forms.FilterDateField): a day from 1900 to 2999, else a
form error that the filter form shows and the list ignores (no day near Python's year 1 or 9999
reaches a selector, where the day's end or the clinic's offset from UTC overflowed: a 500)."""

import datetime

import pytest

from core.forms import FilterDateField, FilterForm


class DatedFilters(FilterForm):
    DEFAULTS = {"since": None}
    since = FilterDateField(label="Since")


@pytest.mark.parametrize("day", ["1900-01-01", "2026-03-01", "2999-12-31"])
def test_a_day_of_the_calendar_filters(day):
    form = DatedFilters({"since": day})
    assert form.filters() == {"since": datetime.date.fromisoformat(day)}
    assert not form.errors


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_a_day_outside_the_calendar_is_an_error_shown_on_the_filter(day):
    form = DatedFilters({"since": day})
    assert form.filters() == {"since": None}  # ignored, as a malformed value is
    assert form.errors == {"since": ["Give a date between 1900 and 2999."]}
    assert 'type="date"' in str(form["since"])


def test_the_field_is_optional():
    form = DatedFilters({})
    assert form.filters() == {"since": None} and not form.errors
