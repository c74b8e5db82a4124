"""Per-note file routes, included under /api/v1/notes/ (health_passport/api_urls.py)."""

from django.urls import re_path

from files import api

urlpatterns = [
    re_path(r"^(?P<pk>[^/]+)/files/?$", api.NoteFilesView.as_view(), name="api-note-files"),
]
