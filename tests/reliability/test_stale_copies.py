"""Two people at once: a page (or an API call) reads its record before the service's unit
begins, and a colleague's change can land in between. Each test replays that interleaving:
the copy read first, the colleague's change committed, then the service given the old copy.

- A save writes only the fields it changed (core.models.BaseModel), so it cannot put back what
  the colleague changed elsewhere in the row.
- A rule checked before writing is checked on the row as it is now (core.transactions.current),
  and an action on a value that has changed meanwhile is refused with a 409.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from appointments import services as appointment_services
from appointments.models import Appointment, AppointmentType
from clinics import services as clinic_services
from core.errors import Conflict
from core.roles import Role
from labs import services as lab_services
from labs.models import LabResult, LabResultRevision
from patients import services as patient_services
from patients.models import Patient
from programs import services as program_services
from programs.models import Enrollment, ProgramTemplate
from tests.factories import PASSWORD
from tests.labs.factories import POTASSIUM, install_catalogue, make_patient, make_result
from tests.programs.factories import enrol, install, published

pytestmark = pytest.mark.django_db


def copy_of(instance):
    """What a page read a moment ago."""
    return type(instance).objects.get(pk=instance.pk)


# --- a save writes what it changed ---------------------------------------------------------------
def test_an_edit_read_before_an_archiving_does_not_restore_the_record(clinic, staff):
    patient = make_patient(clinic, phone="+44 161 208 1062")
    editing = copy_of(patient)
    patient_services.patient_set_archived(
        actor=staff[Role.ADMIN], patient=copy_of(patient), archived=True
    )

    patient_services.patient_update(
        actor=staff[Role.RECEPTIONIST], patient=editing, phone="+44 161 208 1063"
    )

    saved = Patient.objects.get(pk=patient.pk)
    assert saved.is_archived
    assert saved.phone.endswith("1063")


def test_two_people_editing_different_fields_both_keep_their_change(clinic, staff):
    patient = make_patient(clinic, phone="+44 161 208 1062", email="old@example.org")
    by_reception, by_nurse = copy_of(patient), copy_of(patient)

    patient_services.patient_update(
        actor=staff[Role.RECEPTIONIST], patient=by_reception, phone="+44 161 208 1063"
    )
    patient_services.patient_update(
        actor=staff[Role.NURSE], patient=by_nurse, email="new@example.org"
    )

    saved = Patient.objects.get(pk=patient.pk)
    assert saved.phone.endswith("1063") and saved.email == "new@example.org"


def test_a_profile_saved_after_a_deactivation_does_not_undo_it(staff):
    nurse = staff[Role.NURSE]
    own_copy = copy_of(nurse)  # the nurse's own request, signed in a moment ago
    clinic_services.staff_update(actor=staff[Role.ADMIN], user=copy_of(nurse), is_active=False)

    account_services.profile_update(actor=own_copy, name="Nia N.")

    saved = User.objects.get(pk=nurse.pk)
    assert not saved.is_active and saved.name == "Nia N."


def test_a_profile_saved_after_a_password_change_keeps_the_new_password(staff):
    nurse = staff[Role.NURSE]
    own_copy = copy_of(nurse)
    changing = copy_of(nurse)
    changing.set_password("a-new-passphrase-2026")
    changing.save()

    account_services.profile_update(actor=own_copy, language="es")

    saved = User.objects.get(pk=nurse.pk)
    assert saved.check_password("a-new-passphrase-2026")
    assert not saved.check_password(PASSWORD)


def test_a_record_deleted_meanwhile_is_not_written_again(clinic, staff):
    kind = AppointmentType.objects.create(clinic=clinic, name="Dressing", duration_minutes=20)
    editing = copy_of(kind)
    AppointmentType.objects.filter(pk=kind.pk).delete()

    with pytest.raises(Conflict, match="removed while you were changing it"):
        appointment_services.type_save(
            actor=staff[Role.ADMIN], appointment_type=editing, name="Wound dressing"
        )
    assert not AppointmentType.objects.filter(pk=kind.pk).exists()


# --- rules checked on the row as it is now --------------------------------------------------------
@pytest.fixture
def potassium(clinic, staff):
    catalogue = install_catalogue(clinic)
    patient = make_patient(clinic)
    return make_result(patient, catalogue[POTASSIUM], "4.2", actor=staff[Role.LAB_TECH])


def test_a_sign_off_of_a_value_corrected_meanwhile_is_refused(potassium, staff):
    shown = copy_of(potassium)
    lab_services.result_correct(
        actor=staff[Role.LAB_TECH], result=copy_of(potassium), value="7.2", reason="typo"
    )

    with pytest.raises(Conflict, match="corrected while you had it open"):
        lab_services.result_review(actor=staff[Role.CLINICIAN], result=shown)

    saved = LabResult.objects.get(pk=potassium.pk)
    assert saved.reviewed_at is None and saved.needs_communication


def test_a_communication_recorded_for_a_value_corrected_meanwhile_is_refused(potassium, staff):
    lab_services.result_correct(
        actor=staff[Role.LAB_TECH], result=copy_of(potassium), value="7.0", reason="re-run"
    )
    shown = copy_of(potassium)  # 7.0, critical: the nurse phones the doctor about it
    lab_services.result_correct(
        actor=staff[Role.LAB_TECH], result=copy_of(potassium), value="2.0", reason="wrong tube"
    )

    with pytest.raises(Conflict, match="corrected while you had it open"):
        lab_services.critical_communication_record(
            actor=staff[Role.NURSE], result=shown, communicated_to="Dr Grey", method="phone"
        )
    assert LabResult.objects.get(pk=potassium.pk).needs_communication


def test_two_corrections_at_once_keep_every_value_in_the_history(potassium, staff):
    first, second = copy_of(potassium), copy_of(potassium)
    tech = staff[Role.LAB_TECH]
    lab_services.result_correct(actor=tech, result=first, value="4.5", reason="re-run")

    with pytest.raises(Conflict):
        lab_services.result_correct(actor=tech, result=second, value="4.8", reason="re-run")

    replaced = LabResultRevision.objects.filter(result=potassium).values_list(
        "value_numeric", flat=True
    )
    assert [float(value) for value in replaced] == [4.2]
    assert float(LabResult.objects.get(pk=potassium.pk).value_numeric) == 4.5


def test_a_second_sign_off_at_once_is_refused_and_the_first_comment_kept(potassium, staff):
    first, second = copy_of(potassium), copy_of(potassium)
    lab_services.result_review(actor=staff[Role.CLINICIAN], result=first, comment="Repeat in 3m")

    with pytest.raises(ValidationError, match="already been reviewed"):
        lab_services.result_review(actor=staff[Role.ADMIN], result=second, comment="Fine")

    assert LabResult.objects.get(pk=potassium.pk).review_comment == "Repeat in 3m"


def test_a_booking_for_a_record_archived_meanwhile_is_refused(clinic, staff):
    patient = make_patient(clinic)
    shown = copy_of(patient)
    patient_services.patient_set_archived(
        actor=staff[Role.ADMIN], patient=copy_of(patient), archived=True
    )
    kind = AppointmentType.objects.create(clinic=clinic, name="Review", duration_minutes=20)
    start = (timezone.now() + datetime.timedelta(days=7)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    with pytest.raises(ValidationError, match="Restore the record"):
        appointment_services.appointment_book(
            actor=staff[Role.RECEPTIONIST],
            patient=shown,
            provider_id=staff[Role.CLINICIAN].pk,
            type_id=kind.pk,
            start=start,
        )
    assert not Appointment.objects.filter(patient=patient).exists()


def test_an_enrolment_of_a_record_archived_meanwhile_is_refused(clinic, staff):
    install(clinic)
    patient = make_patient(clinic)
    shown = copy_of(patient)
    patient_services.patient_set_archived(
        actor=staff[Role.ADMIN], patient=copy_of(patient), archived=True
    )

    with pytest.raises(ValidationError, match="Choose an active patient"):
        enrol(staff[Role.NURSE], shown)
    assert not Enrollment.objects.filter(patient=patient).exists()


def test_a_programme_published_meanwhile_is_not_edited_as_a_draft(clinic, staff):
    install(clinic)
    admin = staff[Role.ADMIN]
    draft, _new = program_services.template_new_version(actor=admin, template=published(clinic))
    editing = copy_of(draft)
    program_services.template_publish(actor=admin, template=copy_of(draft))

    with pytest.raises(Conflict, match="Only a draft can be edited"):
        program_services.template_update(actor=admin, template=editing, description="Changed")

    saved = ProgramTemplate.objects.get(pk=draft.pk)
    assert saved.status == ProgramTemplate.Status.PUBLISHED and saved.description != "Changed"
