from django.urls import re_path

from files import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^categories/?$", api.CategoryListView.as_view(), name="api-file-categories"),
    re_path(rf"^{ID}/?$", api.FileDetailView.as_view(), name="api-file-detail"),
    re_path(rf"^{ID}/download/?$", api.FileDownloadView.as_view(), name="api-file-download"),
    re_path(rf"^{ID}/preview/?$", api.FilePreviewView.as_view(), name="api-file-preview"),
    re_path(rf"^{ID}/restore/?$", api.FileRestoreView.as_view(), name="api-file-restore"),
]
