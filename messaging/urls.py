from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("settings/", views.clinic_settings, name="settings"),
    path("settings/replies/<str:pk>/delete/", views.saved_reply_delete, name="saved_reply_delete"),
    path("patients/<str:pid>/new/", views.thread_new, name="new"),
    path("<str:pk>/", views.thread_detail, name="thread"),
    path("<str:pk>/poll/", views.thread_poll, name="poll"),
    path("<str:pk>/reply/", views.thread_reply, name="reply"),
    path("<str:pk>/manage/", views.thread_manage, name="manage"),
]
