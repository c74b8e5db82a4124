from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("today/", views.today, name="today"),
    path("new/", views.book, name="book"),
    path("types.css", views.type_styles, name="type_styles"),
    path("availability/", views.availability, name="availability"),
    path("availability/rules/<str:pk>/delete/", views.rule_delete, name="rule_delete"),
    path(
        "availability/exceptions/<str:pk>/delete/", views.exception_delete, name="exception_delete"
    ),
    path("types/", views.type_list, name="types"),
    path("types/<str:pk>/", views.type_edit, name="type_edit"),
    path("settings/", views.settings_page, name="settings"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<str:pk>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("<str:pk>/", views.detail, name="detail"),
    path("<str:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<str:pk>/cancel/", views.cancel, name="cancel"),
    path("<str:pk>/status/<str:action>/", views.transition, name="transition"),
]
