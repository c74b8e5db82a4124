from django.urls import path

from ai_assist import views

app_name = "ai_assist"
urlpatterns = [
    path("patients/<str:pk>/summary/", views.summary, name="summary"),
    path("patients/<str:pk>/note-draft/", views.note_draft, name="note_draft"),
    path("threads/<str:pk>/triage/", views.triage, name="triage"),
    path("settings/", views.settings_page, name="settings"),
]
