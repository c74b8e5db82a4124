from django.urls import path

from files import views

app_name = "files"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("upload/", views.clinic_upload, name="clinic_upload"),
    path("categories/", views.categories, name="categories"),
    path("patients/<str:pid>/", views.patient_files, name="patient_files"),
    path("patients/<str:pid>/upload/", views.patient_upload, name="patient_upload"),
    path("notes/<str:note_id>/", views.note_files, name="note_files"),
    path("notes/<str:note_id>/upload/", views.note_upload, name="note_upload"),
    path("<str:pk>/", views.file_detail, name="detail"),
    path("<str:pk>/edit/", views.file_edit, name="edit"),
    path("<str:pk>/delete/", views.file_delete, name="delete"),
    path("<str:pk>/restore/", views.file_restore, name="restore"),
    path("<str:pk>/download/", views.file_download, name="download"),
    path("<str:pk>/preview/", views.file_preview, name="preview"),
]
