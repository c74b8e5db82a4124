"""The application's URLs plus the floors the benchmarks compare pages with.

/bench/bare/ renders 25 rows of static data through a Django template, padded to the byte size
the benchmark asks for (the patient list page's), with no database work of its own. It still
passes through the full middleware stack, like every page: the session and user lookup of
LoginRequiredMiddleware and the once-a-window session save of core.sessions.

/bench/bare/api/ is the API reads' floor, "a bare DRF view of the same size": the same 25 rows
as a page of JSON, padded likewise, through the same middleware and the project's DRF defaults
(JWT authentication and its user lookup, the permission classes, the JSON renderer).
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from health_passport.urls import urlpatterns as app_urlpatterns

TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patients</title></head>
<body><main><h1>Patients</h1><table>
<thead><tr><th>MRN</th><th>Name</th><th>Date of birth</th><th>Phone</th></tr></thead>
<tbody>{% for row in rows %}
<tr><td>{{ row.mrn }}</td><td><a href="/patients/{{ row.id }}/">{{ row.name }}</a></td>
<td>{{ row.born }}</td><td>{{ row.phone }}</td></tr>{% endfor %}
</tbody></table></main><!-- {{ padding }} --></body></html>
"""
)
ROWS = [
    {
        "id": f"{n:024x}",
        "mrn": f"{n:08d}",
        "name": f"Émilie O'Brien-Núñez {n}",
        "born": "1980-01-01",
        "phone": "+44 7700 900123",
    }
    for n in range(1, 26)
]
BASE_SIZE = len(TEMPLATE.render({"rows": ROWS, "padding": ""}).encode())
MAX_SIZE = 2_000_000


API_PAGE = {"count": len(ROWS), "next": None, "previous": None, "results": ROWS}
API_BASE_SIZE = len(JSONRenderer().render({**API_PAGE, "padding": ""}))


def asked_size(request) -> int:
    try:
        return min(int(request.GET.get("size", "0")), MAX_SIZE)
    except ValueError:
        return 0


def bare(request):
    padding = "x" * max(asked_size(request) - BASE_SIZE, 0)
    return HttpResponse(TEMPLATE.render({"rows": ROWS, "padding": padding}))


class BareApi(APIView):
    def get(self, request):
        padding = "x" * max(asked_size(request) - API_BASE_SIZE, 0)
        return Response({**API_PAGE, "padding": padding})


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/bare/api/", BareApi.as_view(), name="bench-bare-api"),
    *app_urlpatterns,
]
