from django.urls import path

from appointments import views

urlpatterns = [
    path("<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
