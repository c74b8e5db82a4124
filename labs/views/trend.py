"""The trend page: every result of one test for one patient, a chart beside a table."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.decorators import staff_page
from labs import charts, selectors, units
from labs.models import ValueType


@require_http_methods(["GET"])
@staff_page()
def trend(request, pid: str, tid: str):
    trend = selectors.trend_get(
        actor=request.user, patient_id=pid, test_id=tid, permission="labs.view"
    )
    chart = None
    if trend.test.value_type == ValueType.NUMERIC:
        band = trend.band
        chart = charts.trend_chart(
            charts.points_of(trend.results),
            low=band.low if band else None,
            high=band.high if band else None,
            unit=units.display(trend.test.unit),  # as the table shows it, not UCUM
            title=_("%(test)s of %(name)s over time")
            % {"test": trend.test.name, "name": trend.patient.full_name},
        )
    return render(
        request,
        "labs/trend.html",
        {
            "patient": trend.patient,
            "test": trend.test,
            "band": trend.band,
            "results": trend.results[::-1],  # newest first in the table
            "chart": chart,
        },
    )
