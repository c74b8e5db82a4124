"""The application's URLs plus /bench/bare/: the floor the patient pages are compared with.

The bare view renders 25 rows of static data through a Django template, padded to the byte
size the benchmark asks for (the patient list page's), with no database work of its own. It
still passes through the full middleware stack, like every page: the session and user lookup
of LoginRequiredMiddleware and the once-a-window session save of core.sessions.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

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


def bare(request):
    try:
        size = min(int(request.GET.get("size", "0")), MAX_SIZE)
    except ValueError:
        size = 0
    padding = "x" * max(size - BASE_SIZE, 0)
    return HttpResponse(TEMPLATE.render({"rows": ROWS, "padding": padding}))


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *app_urlpatterns]
