from django.urls import re_path

from notes import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^types/?$", api.NoteTypeListView.as_view(), name="api-note-types"),
    re_path(r"^templates/?$", api.TemplateListView.as_view(), name="api-note-templates"),
    re_path(rf"^templates/{ID}/?$", api.TemplateDetailView.as_view(), name="api-note-template"),
    re_path(r"^$", api.NoteListView.as_view(), name="api-notes"),
    re_path(rf"^{ID}/?$", api.NoteDetailView.as_view(), name="api-note"),
    re_path(rf"^{ID}/sign/?$", api.NoteSignView.as_view(), name="api-note-sign"),
    re_path(
        rf"^{ID}/request-cosign/?$",
        api.NoteRequestCosignView.as_view(),
        name="api-note-request-cosign",
    ),
    re_path(rf"^{ID}/cosign/?$", api.NoteCosignView.as_view(), name="api-note-cosign"),
    re_path(rf"^{ID}/share/?$", api.NoteShareView.as_view(), name="api-note-share"),
    re_path(rf"^{ID}/addenda/?$", api.NoteAddendaView.as_view(), name="api-note-addenda"),
    re_path(rf"^{ID}/history/?$", api.NoteHistoryView.as_view(), name="api-note-history"),
    re_path(rf"^{ID}/fhir/?$", api.NoteFhirView.as_view(), name="api-note-fhir"),
]
