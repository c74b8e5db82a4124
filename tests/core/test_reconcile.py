"""`manage.py reconcile` checks the units every app declares (`Reconciled` contributions): a row
written behind a service's back (no create audit row, no children) is reported; service writes
and a freshly seeded demo clinic are not."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import AuditEvent, User
from appointments import selectors as appointment_selectors
from appointments import services as appointment_services
from appointments.models import AppointmentSeries, AppointmentType
from clinics.models import Clinic
from core import reconcile
from core.contributions import reconciled
from core.models import new_id
from core.roles import Role
from labs.models import LabTest
from notes import services as note_services
from notes.models import Note
from patients import services as patient_services
from patients.models import Patient
from programs.models import Enrollment
from tests.files.factories import stored_file
from tests.labs.factories import make_order, make_result
from tests.messaging.factories import make_thread
from tests.notes.factories import make_note
from tests.programs.factories import enrol

pytestmark = pytest.mark.django_db

SMALL_DEMO = {
    "patients": 4,
    "appointments": 4,
    "labs_per_patient": 1,
    "notes_per_patient": 1,
    "message_threads": 2,
    "messages_per_thread": 2,
    "program_enrolments": 1,
}
# What a clone must change so the database's unique indexes take it.
UNIQUE_OVERRIDES = {
    "patients.Patient": lambda row: {"mrn": "99999999"},
    "programs.Enrollment": lambda row: {"active_key": f"{row.active_key}:clone"},
    "messaging.Message": lambda row: {"seq": 999, "visible_seq": 999},
}


@pytest.fixture
def settled(monkeypatch):
    """Units count as settled at once (a real run waits two minutes for in-flight writes)."""
    monkeypatch.setattr(reconcile, "SETTLE", reconcile.SETTLE * 0)


@pytest.fixture
def demo_clinic():
    call_command("seed_demo", stdout=io.StringIO(), **SMALL_DEMO)
    return Clinic.objects.get(slug="demo-clinic")


def _service_writes(clinic):
    """One record of every checked kind, each written through its app's service."""
    users = {user.role: user for user in User.objects.filter(clinic=clinic)}
    clinician, admin = users[Role.CLINICIAN], users[Role.ADMIN]
    patient = patient_services.patient_create(
        actor=admin, first_name="Grace", last_name="Hopper", date_of_birth="1986-12-09"
    )
    patient_services.clinical_create(
        actor=clinician, patient=patient, kind="allergies", substance="Penicillin"
    )
    patient_services.clinical_create(
        actor=clinician, patient=patient, kind="conditions", name="Asthma"
    )
    patient_services.clinical_create(
        actor=clinician, patient=patient, kind="medications", name="Salbutamol"
    )
    test = LabTest.objects.filter(clinic=clinic).first()
    make_order(patient, actor=clinician, tests=[test])
    make_result(patient, test, actor=users[Role.LAB_TECH])
    stored_file(clinician, patient)
    note = make_note(clinician, patient, signed=True)
    note_services.addendum_add(actor=clinician, note=note, text="Spoke to the patient again.")
    make_thread(clinician, patient)
    enrol(clinician, patient)
    _book_series(clinic, users[Role.RECEPTIONIST], patient)


def _book_series(clinic, desk, patient):
    """A weekly pair five weeks out, in the demo clinic's opening hours."""
    kind = AppointmentType.objects.filter(clinic=clinic, telehealth=False).first()
    day = datetime.date.today() + datetime.timedelta(weeks=5)
    for _ in range(7):
        slots = appointment_selectors.slot_list(
            actor=desk, clinic=clinic, type_id=kind.pk, start=day, end=day
        )
        if slots:
            break
        day += datetime.timedelta(days=1)
    appointment_services.appointment_book(
        actor=desk,
        patient=patient,
        provider_id=slots[0].provider_id,
        type_id=kind.pk,
        start=slots[0].start,
        recurrence={"frequency": "weekly", "count": 2},
    )


def _clone(target):
    """A copy of one existing row of the target written straight to the database: no audit
    row, no children — what a crash between a unit's writes leaves."""
    model = apps.get_model(target.model)
    row = model._base_manager.order_by("-pk").first()
    assert row is not None, f"no {target.model} row to copy: seed or write one in this test"
    for name, value in UNIQUE_OVERRIDES.get(target.model, lambda row: {})(row).items():
        setattr(row, name, value)
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key and isinstance(getattr(row, field.attname), str):
            setattr(row, field.attname, f"clone-{new_id()}")
    row.pk = new_id()
    row._state.adding = True
    row.save(force_insert=True)
    return row


def test_every_app_declares_its_multi_row_units():
    declared = {target.model: target for target in reconciled}
    assert declared["labs.LabOrder"].children == ("items",)
    assert declared["messaging.Thread"].children == ("messages",)
    assert declared["programs.Enrollment"].children == ("tasks",)
    assert declared["notes.Note"].children == ("revisions",)
    assert declared["appointments.AppointmentSeries"].children == ("appointments",)
    assert {"patients.Patient", "files.StoredFile", "appointments.Appointment"} <= set(declared)


def test_a_seeded_demo_clinic_and_service_writes_reconcile_clean(settled, demo_clinic):
    _service_writes(demo_clinic)

    assert reconcile.reconcile() == []
    assert reconcile.reconcile_report() == 0
    out = io.StringIO()
    call_command("reconcile", stdout=out)
    assert "0 half-written unit(s) found." in out.getvalue()
    seeded = AuditEvent.objects.filter(detail=reconcile.SEEDED, action="create")
    assert seeded.filter(object_type="patients.Patient").count() == SMALL_DEMO["patients"]
    assert not seeded.filter(actor__isnull=False).exists()


def test_a_row_written_behind_each_services_back_is_reported(settled, demo_clinic):
    _service_writes(demo_clinic)
    expected = set()
    for target in reconciled:
        row = _clone(target)
        expected |= {f"{target.model} {row.pk}: no {relation}" for relation in target.children}
        if target.audited:
            expected.add(f"{target.model} {row.pk}: no audit row")

    found = {str(finding) for finding in reconcile.reconcile()}

    assert found == expected
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("reconcile", stdout=out)
    assert f"{len(expected)} half-written unit(s) found." in out.getvalue()


def test_seeding_again_does_not_audit_a_half_written_unit_from_before(settled, demo_clinic):
    """The seeding mark keeps seed_demo from covering up a real half-written unit."""
    patient = Patient.objects.filter(clinic=demo_clinic).first()
    broken = Note.objects.create(
        clinic=demo_clinic,
        patient=patient,
        note_type=Note.objects.filter(clinic=demo_clinic).first().note_type,
        author=User.objects.get(email="clinician@demo.clinic"),
        title="Half written",
    )

    call_command("seed_demo", stdout=io.StringIO(), **SMALL_DEMO)

    assert {str(f) for f in reconcile.reconcile()} == {
        f"notes.Note {broken.pk}: no revisions",
        f"notes.Note {broken.pk}: no audit row",
    }


def test_an_enrolment_written_without_its_tasks_is_reported(settled, demo_clinic):
    enrollment = Enrollment.objects.filter(clinic=demo_clinic).first()
    enrollment.tasks.all().delete()

    assert [str(f) for f in reconcile.reconcile()] == [
        f"programs.Enrollment {enrollment.pk}: no tasks"
    ]


def test_a_series_whose_appointments_were_never_written_is_reported(settled, demo_clinic):
    patient = Patient.objects.filter(clinic=demo_clinic).first()
    series = AppointmentSeries.objects.create(
        clinic=demo_clinic, patient=patient, frequency="weekly", count=3
    )

    assert [str(f) for f in reconcile.reconcile()] == [
        f"appointments.AppointmentSeries {series.pk}: no appointments"
    ]
