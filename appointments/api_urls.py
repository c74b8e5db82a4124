from django.urls import re_path

from appointments import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^types/?$", api.TypeListView.as_view(), name="api-appointment-types"),
    re_path(rf"^types/{ID}/?$", api.TypeDetailView.as_view(), name="api-appointment-type"),
    re_path(
        r"^availability/exceptions/?$",
        api.ExceptionListView.as_view(),
        name="api-availability-exceptions",
    ),
    re_path(
        rf"^availability/exceptions/{ID}/?$",
        api.ExceptionDetailView.as_view(),
        name="api-availability-exception",
    ),
    re_path(r"^availability/?$", api.RuleListView.as_view(), name="api-availability"),
    re_path(rf"^availability/{ID}/?$", api.RuleDetailView.as_view(), name="api-availability-rule"),
    re_path(r"^providers/?$", api.ProviderListView.as_view(), name="api-appointment-providers"),
    re_path(r"^slots/?$", api.SlotListView.as_view(), name="api-appointment-slots"),
    re_path(r"^feeds/?$", api.FeedListView.as_view(), name="api-calendar-feeds"),
    re_path(rf"^feeds/{ID}/?$", api.FeedDetailView.as_view(), name="api-calendar-feed"),
    re_path(r"^settings/?$", api.SettingsView.as_view(), name="api-appointment-settings"),
    re_path(r"^$", api.AppointmentListView.as_view(), name="api-appointments"),
    re_path(rf"^{ID}/?$", api.AppointmentDetailView.as_view(), name="api-appointment"),
    re_path(
        rf"^{ID}/cancel/?$", api.AppointmentCancelView.as_view(), name="api-appointment-cancel"
    ),
    re_path(
        rf"^{ID}/confirm/?$",
        api.AppointmentActionView.as_view(action="confirm"),
        name="api-appointment-confirm",
    ),
    re_path(
        rf"^{ID}/check-in/?$",
        api.AppointmentActionView.as_view(action="check_in"),
        name="api-appointment-check-in",
    ),
    re_path(
        rf"^{ID}/complete/?$",
        api.AppointmentActionView.as_view(action="complete"),
        name="api-appointment-complete",
    ),
    re_path(
        rf"^{ID}/no-show/?$",
        api.AppointmentActionView.as_view(action="no_show"),
        name="api-appointment-no-show",
    ),
    re_path(rf"^{ID}/ics/?$", api.AppointmentIcsView.as_view(), name="api-appointment-ics"),
]
