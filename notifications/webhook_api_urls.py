from django.urls import re_path

from notifications import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"
DELIVERY = r"(?P<delivery_id>[^/]+)"

urlpatterns = [
    re_path(r"^$", api.WebhookListView.as_view(), name="api-webhooks"),
    re_path(rf"^{ID}/?$", api.WebhookDetailView.as_view(), name="api-webhook"),
    re_path(
        rf"^{ID}/deliveries/?$", api.WebhookDeliveriesView.as_view(), name="api-webhook-deliveries"
    ),
    re_path(
        rf"^{ID}/deliveries/{DELIVERY}/resend/?$",
        api.WebhookResendView.as_view(),
        name="api-webhook-resend",
    ),
]
