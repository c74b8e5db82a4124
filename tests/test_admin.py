"""The Django admin is for platform superusers: every model listed usefully, audit read-only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from core.roles import Role
from tests.appointments.conftest import (  # noqa: F401 (fixtures)
    book,
    follow_up,
    local,
    monday,
    provider,
    types,
    tz,
)
from tests.factories import PASSWORD, ClinicFactory
from tests.files.factories import stored_file
from tests.labs.factories import install_catalogue
from tests.notes.factories import install as install_notes
from tests.patients.factories import AllergyFactory, PatientFactory
from tests.programs.factories import enrol, install, published

ADMIN_PAGES = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/accounts/user/?q=example&role__exact=admin",
    "/admin/accounts/auditevent/",
    "/admin/accounts/auditevent/?action__exact=login",
    "/admin/accounts/refreshtokenrecord/",
    "/admin/clinics/clinic/",
    "/admin/clinics/clinic/?q=Riverside",
    "/admin/accounts/user/add/",
    "/admin/clinics/clinic/add/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_superuser_sees_every_admin_page(superuser_web, staff, url):
    response = superuser_web.get(url)
    assert response.status_code == 200


def test_admin_login_works_for_a_superuser(client, superuser):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    # Platform superusers always need a second factor for the admin: enrolment comes first.
    assert client.get("/admin/").url.startswith("/accounts/mfa/setup/")
    client.get("/accounts/mfa/setup/")
    device = TOTPDevice.objects.get(user=superuser)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    client.post("/accounts/mfa/setup/", {"code": f"{totp.token():06d}"})
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLINICIAN])
def test_clinic_staff_cannot_use_the_admin(client, staff, role):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff[role].email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the login form again, with an error
    assert "/admin/" not in response.get("Location", "")
    client.force_login(staff[role])
    assert client.get("/admin/accounts/user/").status_code == 302  # back to the admin login


def test_user_changelist_lists_clinic_and_role(superuser_web, staff):
    content = superuser_web.get("/admin/accounts/user/").content.decode()
    assert staff[Role.NURSE].email in content
    assert "Riverside Clinic" in content


def test_audit_events_are_read_only_in_the_admin(superuser_web, admin_user):
    client = superuser_web
    event = AuditEvent.objects.filter(actor__isnull=False).first() or AuditEvent.objects.create(
        actor=admin_user, action=AuditEvent.Action.LOGIN
    )
    changelist = client.get("/admin/accounts/auditevent/").content.decode()
    assert "/admin/accounts/auditevent/add/" not in changelist
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    change_url = f"/admin/accounts/auditevent/{event.pk}/change/"
    assert client.get(change_url).status_code == 200  # viewable
    assert client.post(change_url, {"action": "delete"}).status_code == 403
    assert (
        client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk, action=event.action).exists()


def test_superuser_creates_a_user_in_the_admin(superuser_web, clinic):
    response = superuser_web.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "role": Role.NURSE,
            "clinic": clinic.pk,
            "password1": "Quiet-meadow-4821",
            "password2": "Quiet-meadow-4821",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.person@example.org")
    assert user.clinic == clinic and user.check_password("Quiet-meadow-4821")


# --- Clinical records are read-only in the admin, for superusers too ----------------------------
CLINICAL_MODELS = {
    "patients.patient",
    "patients.allergy",
    "patients.condition",
    "patients.medication",
    "labs.laborder",
    "labs.labresult",
    "notes.note",
    "appointments.appointment",
    "files.storedfile",
    "programs.enrollment",
    "notifications.notification",
}


def _is_clinical(model) -> bool:
    """A patient's record or anything filed under one (its `patient` link)."""
    names = {field.name for field in model._meta.get_fields()}
    return model._meta.label_lower == "patients.patient" or "patient" in names


def test_every_clinical_model_in_the_admin_is_read_only(rf, superuser):
    from django.contrib import admin

    from core.admin import ClinicalRecordAdmin

    request = rf.get("/admin/")
    request.user = superuser
    registered = {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if _is_clinical(model)
    }
    assert set(registered) == CLINICAL_MODELS  # a new app's clinical admin joins this list
    for label, model_admin in registered.items():
        assert isinstance(model_admin, ClinicalRecordAdmin), label  # read-only and audited
        assert model_admin.has_view_permission(request), label
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert "delete_selected" not in model_admin.get_actions(request), label


@pytest.mark.parametrize("label", sorted(CLINICAL_MODELS))
def test_clinical_change_lists_open_and_add_is_refused(superuser_web, label):
    base = f"/admin/{label.replace('.', '/')}/"
    page = superuser_web.get(base)
    assert page.status_code == 200
    assert f'href="{base}add/"' not in page.content.decode()
    assert superuser_web.get(f"{base}add/").status_code == 403


def test_allergy_is_viewed_and_audited_never_changed_in_the_admin(superuser_web, superuser, clinic):
    allergy = AllergyFactory(patient=PatientFactory(clinic=clinic), substance="Penicillin")
    url = f"/admin/patients/allergy/{allergy.pk}/change/"

    page = superuser_web.get(url)
    assert page.status_code == 200 and "Penicillin" in page.content.decode()
    assert AuditEvent.objects.filter(
        actor=superuser, action="view", object_id=allergy.pk, patient_id=allergy.patient_id
    ).exists()
    assert superuser_web.post(url, {"substance": "Latex"}).status_code == 403
    delete = superuser_web.post(f"/admin/patients/allergy/{allergy.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    allergy.refresh_from_db()
    assert allergy.substance == "Penicillin"


@pytest.fixture
def other_records(clinic, staff, book, provider, monday, tz, settings, tmp_path):  # noqa: F811
    """An appointment, an enrolment and a stored file of one patient, made by the services."""
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    settings.FILE_SCANNER = ""
    install(clinic)
    patient = PatientFactory(clinic=clinic)
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    return {
        "appointments/appointment": appointment,
        "programs/enrollment": enrol(staff[Role.CLINICIAN], patient),
        "files/storedfile": stored_file(staff[Role.CLINICIAN], patient),
    }


def test_other_clinical_records_open_read_only_and_audited(superuser_web, superuser, other_records):
    for path, record in other_records.items():
        url = f"/admin/{path}/{record.pk}/change/"
        page = superuser_web.get(url)
        assert page.status_code == 200, url
        assert b'name="_save"' not in page.content, url  # no save button: view only
        assert AuditEvent.objects.filter(
            actor=superuser, action="view", object_id=record.pk, patient_id=record.patient_id
        ).exists(), url
        assert superuser_web.post(url, {}).status_code == 403, url
        assert (
            superuser_web.post(f"/admin/{path}/{record.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )


LARGE_TABLES = sorted(CLINICAL_MODELS | {"accounts.auditevent"})


@pytest.mark.parametrize("label", LARGE_TABLES)
def test_a_large_tables_change_list_is_read_without_joins(superuser_web, other_records, label):
    """A change list reads its page from its own table and its rows' related records in one
    query each: joined, SQLite sorted the whole table for every page (the audit list 21.7 s →
    0.2 s at 1,850,000 rows, the lab results 2.6 s → 0.1 at 1,000,000)."""
    from django.apps import apps

    table = apps.get_model(label)._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        page = superuser_web.get(f"/admin/{label.replace('.', '/')}/")

    assert page.status_code == 200
    # The page's read, and a join, as SQL or as MongoDB's aggregation.
    sql = connection.vendor != "mongodb"
    listed, ordered, join = (
        (f'FROM "{table}"', "ORDER BY", " JOIN ") if sql else (f"db.{table}.", "$sort", "$lookup")
    )
    reads = [q["sql"] for q in queries if listed in q["sql"] and ordered in q["sql"]]
    assert reads and not any(join in read for read in reads), reads


def test_the_patient_list_reads_the_same_queries_for_2_rows_or_12(superuser_web, clinic):
    def queries_for_the_list():
        with CaptureQueriesContext(connection) as queries:
            assert superuser_web.get("/admin/patients/patient/").status_code == 200
        return len(queries)

    PatientFactory.create_batch(2, clinic=clinic)
    two = queries_for_the_list()
    PatientFactory.create_batch(10, clinic=ClinicFactory())

    assert queries_for_the_list() == two


def test_the_audit_list_filters_by_date_and_role_newest_first(superuser_web, staff):
    for role in (Role.NURSE, Role.CLINICIAN):
        AuditEvent.objects.create(action="view", actor_role=role, actor_label=f"{role}@x.example")

    page = superuser_web.get("/admin/accounts/auditevent/?actor_role=nurse").content.decode()
    listed = superuser_web.get("/admin/accounts/auditevent/").content.decode()

    assert "nurse@x.example" in page and "clinician@x.example" not in page
    assert "Past 7 days" in listed  # a date filter
    assert 'class="toplinks"' not in listed  # and no date hierarchy
    assert listed.index("clinician@x.example") < listed.index("nurse@x.example")  # newest first


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize("label", LARGE_TABLES)
def test_a_large_tables_change_list_is_read_in_an_order_an_index_holds(
    superuser_web, other_records, label
):
    """Newest first by id (or the list's own indexed order), not an order that sorts the whole
    table per page: appointments by start across clinics took 0.19 s at 185,000."""
    from django.apps import apps

    table = apps.get_model(label)._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        superuser_web.get(f"/admin/{label.replace('.', '/')}/")
    reads = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and "ORDER BY" in q["sql"]]

    assert reads
    for read in reads:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {read}")
            plan = "\n".join(row[-1] for row in cursor.fetchall())
        assert "TEMP B-TREE FOR ORDER BY" not in plan, (read, plan)


# --- A clinic's configuration is read-only in the admin, for superusers too ---------------------
CONFIGURATION_MODELS = {
    "labs.labtest",
    "labs.labpanel",
    "appointments.appointmenttype",
    "appointments.clinicappointmentsettings",
    "files.filecategory",
    "notes.notetype",
    "notes.notetemplate",
    "programs.programtemplate",
    "notifications.webhook",
}
# Clinic-owned rows that are not configuration: people, the audit trail and the outgoing queue.
OPERATIONAL_MODELS = {
    "accounts.user",
    "accounts.auditevent",
    "notifications.outboxmessage",
    "notifications.webhookdelivery",
    "notifications.pushmessage",
    "notifications.failedtask",
}


def test_every_configuration_model_in_the_admin_is_read_only(rf, superuser):
    from django.contrib import admin

    from core.admin import ClinicConfigurationAdmin

    request = rf.get("/admin/")
    request.user = superuser
    clinic_owned = {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if "clinic" in {field.name for field in model._meta.get_fields()}
        and not _is_clinical(model)
    }
    # A new app's clinic-owned registration joins one of these lists.
    assert set(clinic_owned) == CONFIGURATION_MODELS | OPERATIONAL_MODELS
    for label in CONFIGURATION_MODELS:
        model_admin = clinic_owned[label]
        assert isinstance(model_admin, ClinicConfigurationAdmin), label
        assert model_admin.has_view_permission(request), label
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert "delete_selected" not in model_admin.get_actions(request), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_change_permission(request), label


@pytest.fixture
def configuration(clinic, staff):
    """One row of each configuration model in `clinic`, made as its clinic admins make them."""
    from appointments.services import settings_update
    from files.services import category_create
    from notifications.webhooks import webhook_create

    admin = staff[Role.ADMIN]
    install_catalogue(clinic)
    install(clinic)  # appointment types and programme templates
    install_notes(clinic)
    settings_update(actor=admin, reminder_hours=48)
    category_create(actor=admin, slug="x_rays", label="X-rays")
    webhook_create(actor=admin, url="https://93.184.216.34/hook", events=["labs.critical_result"])


@pytest.mark.parametrize("label", sorted(CONFIGURATION_MODELS))
def test_configuration_is_listed_and_opened_never_written(superuser_web, configuration, label):
    from django.apps import apps

    record = apps.get_model(label).objects.first()
    base = f"/admin/{label.replace('.', '/')}/"
    listed = superuser_web.get(base)
    assert listed.status_code == 200
    assert record in listed.context["cl"].result_list
    assert f'href="{base}add/"' not in listed.content.decode()
    assert superuser_web.get(f"{base}?q=a").status_code == 200

    page = superuser_web.get(f"{base}{record.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # no save button: view only
    assert superuser_web.get(f"{base}add/").status_code == 403
    assert superuser_web.post(f"{base}{record.pk}/change/", {}).status_code == 403
    assert superuser_web.post(f"{base}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert apps.get_model(label).objects.filter(pk=record.pk).exists()


def test_a_published_template_in_use_is_not_set_back_to_draft_in_the_admin(
    superuser_web, other_records, clinic
):
    """A draft's steps are replaced on edit, which an enrolment's tasks (PROTECT) forbid:
    `programs.services` publishes and retires versions; the admin only shows them."""
    template = published(clinic)
    assert other_records["programs/enrollment"].template_id == template.pk
    url = f"/admin/programs/programtemplate/{template.pk}/change/"

    response = superuser_web.post(
        url,
        {
            "name": template.name,
            "status": "draft",
            "duration_days": "7",
            "clinic": ClinicFactory().pk,
        },
    )

    assert response.status_code == 403
    template.refresh_from_db()
    assert (template.status, template.clinic_id) == ("published", clinic.pk)


def test_an_existing_users_clinic_is_read_only_in_the_admin(
    superuser_web, superuser, staff, other_clinic
):
    """Moved, a staff member would carry the first clinic's unread counts, notifications and
    assigned threads into the next; the rest of the change page still saves, audited."""
    nurse = staff[Role.NURSE]
    url = f"/admin/accounts/user/{nurse.pk}/change/"
    page = superuser_web.get(url)
    assert page.status_code == 200
    assert b'name="clinic"' not in page.content and b"Riverside Clinic" in page.content

    response = superuser_web.post(
        url,
        {
            "email": nurse.email,
            "name": "Renamed Nurse",
            "role": Role.NURSE,
            "clinic": other_clinic.pk,
            "is_active": "on",
            "is_verified": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    nurse.refresh_from_db()
    assert nurse.name == "Renamed Nurse"
    assert nurse.clinic_id == staff[Role.ADMIN].clinic_id != other_clinic.pk
    row = AuditEvent.objects.get(actor=superuser, action="update", object_id=nurse.pk)
    assert row.detail == "admin: name"


def test_a_role_changed_in_the_admin_hands_on_what_the_person_can_no_longer_read(
    superuser_web, staff
):
    """As on the clinic's staff page (accounts.staff_changed): a clinical thread assigned to a
    clinician made a receptionist goes back to the team inbox."""
    from messaging import services as messaging
    from tests.messaging.factories import make_thread
    from tests.patients.factories import PatientFactory, portal_user

    clinician = staff[Role.CLINICIAN]
    patient = PatientFactory(clinic=clinician.clinic)
    thread = make_thread(portal_user(patient), patient)
    messaging.thread_update(actor=staff[Role.ADMIN], thread=thread, assigned_to=clinician.pk)

    response = superuser_web.post(
        f"/admin/accounts/user/{clinician.pk}/change/",
        {
            "email": clinician.email,
            "name": clinician.name,
            "role": Role.RECEPTIONIST,
            "is_active": "on",
            "is_verified": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    thread.refresh_from_db()
    assert thread.assigned_to_id is None
