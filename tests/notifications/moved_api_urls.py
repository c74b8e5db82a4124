"""The project's URLs with the API mounted one level down (/api/next/…): every API route moved,
its name kept, as a renamed or re-versioned route would be."""

from django.urls import include, path

from health_passport.urls import urlpatterns as project

urlpatterns = [
    path("api/next/", include("health_passport.api_urls")) if str(p.pattern) == "api/" else p
    for p in project
]
