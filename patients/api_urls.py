from django.urls import re_path

from patients import api, export

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"
RECORD = r"(?P<record_id>[^/]+)"

urlpatterns = [
    re_path(r"^$", api.PatientListView.as_view(), name="api-patient-list"),
    re_path(rf"^{ID}/?$", api.PatientDetailView.as_view(), name="api-patient-detail"),
    re_path(rf"^{ID}/restore/?$", api.PatientRestoreView.as_view(), name="api-patient-restore"),
    re_path(rf"^{ID}/fhir/?$", api.PatientFhirView.as_view(), name="api-patient-fhir"),
    re_path(rf"^{ID}/export/?$", export.PatientExportView.as_view(), name="api-patient-export"),
    re_path(rf"^{ID}/invite/?$", api.PatientInviteView.as_view(), name="api-patient-invite"),
    re_path(
        rf"^{ID}/mfa-reset/?$", api.PatientMfaResetView.as_view(), name="api-patient-mfa-reset"
    ),
    re_path(
        rf"^{ID}/allergy-status/?$",
        api.AllergyStatusView.as_view(),
        name="api-patient-allergy-status",
    ),
    re_path(
        rf"^{ID}/access-log/?$", api.PatientAccessLogView.as_view(), name="api-patient-access-log"
    ),
]
for kind, list_view, detail_view in [
    ("allergies", api.AllergyListView, api.AllergyDetailView),
    ("conditions", api.ConditionListView, api.ConditionDetailView),
    ("medications", api.MedicationListView, api.MedicationDetailView),
]:
    urlpatterns += [
        re_path(rf"^{ID}/{kind}/?$", list_view.as_view(), name=f"api-patient-{kind}"),
        re_path(
            rf"^{ID}/{kind}/{RECORD}/?$", detail_view.as_view(), name=f"api-patient-{kind}-detail"
        ),
    ]
