from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<str:pk>/", views.template_detail, name="template"),
    *[
        path(
            f"templates/<str:pk>/{action}/",
            views.template_action,
            {"action": action},
            name=f"template_{action}",
        )
        for action in ("publish", "retire", "version")
    ],
    path("templates/<str:pk>/steps/<str:step_id>/delete/", views.step_delete, name="step_delete"),
    path("templates/<str:pk>/details/", views.template_details, name="template_details"),
    path("templates/<str:pk>/goals/", views.goal_add, name="goal_add"),
    path("steps/<str:step_id>/", views.step_edit, name="step_edit"),
    path("goals/<str:goal_id>/", views.goal_edit, name="goal_edit"),
    path("goals/<str:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("patients/<str:pid>/enroll/", views.enroll, name="enroll"),
    path("enrollments/<str:pk>/", views.enrollment_detail, name="enrollment"),
    path("tasks/<str:task_id>/done/", views.task_done, name="task_done"),
    *[
        path(
            f"enrollments/<str:pk>/{action}/",
            views.enrollment_action,
            {"action": action},
            name=f"enrollment_{action}",
        )
        for action in ("pause", "resume", "complete", "withdraw")
    ],
]
