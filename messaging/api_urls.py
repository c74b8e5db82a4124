from django.urls import re_path

from messaging import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^threads/?$", api.ThreadListView.as_view(), name="api-message-threads"),
    re_path(rf"^threads/{ID}/?$", api.ThreadDetailView.as_view(), name="api-message-thread"),
    re_path(
        rf"^threads/{ID}/messages/?$", api.MessageListView.as_view(), name="api-thread-messages"
    ),
    re_path(rf"^threads/{ID}/read/?$", api.ThreadReadView.as_view(), name="api-thread-read"),
    re_path(r"^unread-count/?$", api.UnreadCountView.as_view(), name="api-messages-unread"),
    re_path(r"^settings/?$", api.SettingsView.as_view(), name="api-messages-settings"),
]
