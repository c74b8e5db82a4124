from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("failed/", views.failed_deliveries, name="failed"),
    path("failed/<str:kind>/<str:pk>/retry/", views.failed_retry, name="failed_retry"),
    path("<str:pk>/open/", views.notification_open, name="open"),
]
