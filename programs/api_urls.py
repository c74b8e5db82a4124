from django.urls import re_path

from programs import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(r"^programs/?$", api.TemplateListView.as_view(), name="api-programs"),
    re_path(rf"^programs/{ID}/?$", api.TemplateDetailView.as_view(), name="api-program"),
    re_path(
        rf"^programs/{ID}/publish/?$",
        api.TemplateActionView.as_view(action="publish"),
        name="api-program-publish",
    ),
    re_path(
        rf"^programs/{ID}/retire/?$",
        api.TemplateActionView.as_view(action="retire"),
        name="api-program-retire",
    ),
    re_path(
        rf"^programs/{ID}/versions/?$",
        api.TemplateVersionView.as_view(),
        name="api-program-version",
    ),
    re_path(rf"^programs/{ID}/enroll/?$", api.EnrollView.as_view(), name="api-program-enroll"),
    re_path(r"^enrollments/?$", api.EnrollmentListView.as_view(), name="api-enrollments"),
    re_path(rf"^enrollments/{ID}/?$", api.EnrollmentDetailView.as_view(), name="api-enrollment"),
    *[
        re_path(
            rf"^enrollments/{ID}/{action}/?$",
            api.EnrollmentTransitionView.as_view(action=action),
            name=f"api-enrollment-{action}",
        )
        for action in ("pause", "resume", "complete", "withdraw")
    ],
    re_path(
        rf"^enrollments/{ID}/tasks/?$",
        api.EnrollmentTasksView.as_view(),
        name="api-enrollment-tasks",
    ),
    re_path(
        rf"^enrollments/{ID}/measurements/?$",
        api.EnrollmentMeasurementsView.as_view(),
        name="api-enrollment-measurements",
    ),
    re_path(
        rf"^enrollments/{ID}/fhir/?$", api.EnrollmentFhirView.as_view(), name="api-enrollment-fhir"
    ),
    re_path(rf"^tasks/{ID}/complete/?$", api.TaskCompleteView.as_view(), name="api-task-complete"),
    re_path(rf"^tasks/{ID}/skip/?$", api.TaskSkipView.as_view(), name="api-task-skip"),
]
