from django.urls import re_path

from notifications import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^$", api.NotificationListView.as_view(), name="api-notifications"),
    re_path(r"^unread-count/?$", api.UnreadCountView.as_view(), name="api-notifications-unread"),
    re_path(r"^read-all/?$", api.ReadAllView.as_view(), name="api-notifications-read-all"),
    re_path(r"^preferences/?$", api.PreferencesView.as_view(), name="api-notification-prefs"),
    re_path(r"^devices/?$", api.DeviceListView.as_view(), name="api-devices"),
    re_path(rf"^devices/{ID}/?$", api.DeviceDetailView.as_view(), name="api-device"),
    re_path(rf"^{ID}/read/?$", api.NotificationReadView.as_view(), name="api-notification-read"),
]
