from django.urls import path

from ai_assist import api

urlpatterns = [
    path("patients/<str:id>/summary", api.SummaryView.as_view(), name="ai-summary"),
    path("patients/<str:id>/note-draft", api.NoteDraftView.as_view(), name="ai-note-draft"),
    path("messages/threads/<str:id>/triage", api.TriageView.as_view(), name="ai-triage"),
    path("labs/results/<str:id>/explain", api.ExplainView.as_view(), name="ai-explain"),
    path("settings", api.SettingsView.as_view(), name="ai-settings"),
]
