from django.urls import path, register_converter

from patients import export, views


class ClinicalKindConverter:
    """`allergies`, `conditions` or `medications`: one set of views serves all three."""

    regex = "|".join(views.CLINICAL_KINDS)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ClinicalKindConverter, "clinical_kind")

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("search/", views.patient_search, name="search"),
    path("<str:pk>/", views.patient_detail, name="detail"),
    path("<str:pk>/edit/", views.patient_edit, name="edit"),
    path("<str:pk>/archive/", views.patient_archive, name="archive"),
    path("<str:pk>/delete/", views.patient_delete, name="delete"),
    path("<str:pk>/invite/", views.patient_invite, name="invite"),
    path("<str:pk>/mfa-reset/", views.patient_mfa_reset, name="mfa_reset"),
    path("<str:pk>/allergy-status/", views.allergy_status, name="allergy_status"),
    path("<str:pk>/record/", export.record_print, name="record_print"),
    path("<str:pk>/<clinical_kind:kind>/add/", views.clinical_add, name="clinical_add"),
    path(
        "<str:pk>/<clinical_kind:kind>/<str:rid>/edit/", views.clinical_edit, name="clinical_edit"
    ),
    path(
        "<str:pk>/<clinical_kind:kind>/<str:rid>/delete/",
        views.clinical_delete,
        name="clinical_delete",
    ),
]
