"""The rules of notes as the services enforce them (both front doors call these)."""

import zoneinfo

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from appointments import services as appointment_services
from appointments.models import AppointmentType
from core.contributions import clinic_created
from core.errors import Conflict
from notes import services
from notes.models import Note, NoteRevision, NoteTemplate, NoteType
from tests.appointments.conftest import add_hours, local, next_weekday
from tests.factories import ClinicFactory
from tests.notes.factories import make_note, note_type, soap_sections, template
from tests.patients.factories import PatientFactory, portal_user

pytestmark = pytest.mark.django_db


def stored(note) -> Note:
    return Note.objects.get(pk=note.pk)


# --- new clinics ---------------------------------------------------------------------------------
def test_a_new_clinic_gets_the_builtin_types_and_three_templates(db):
    clinic = ClinicFactory(name="Fresh")
    clinic_created(clinic)
    codes = set(NoteType.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert {"11506-3", "11488-4", "34117-2", "28570-0", "34746-8", "34748-4", "18842-5"} <= codes
    names = set(NoteTemplate.objects.filter(clinic=clinic).values_list("name", flat=True))
    assert names == {"SOAP", "History and physical", "Telephone encounter"}
    soap = NoteTemplate.objects.get(clinic=clinic, name="SOAP")
    assert soap.section_names == ["Subjective", "Objective", "Assessment", "Plan"]
    services.clinic_setup(clinic=clinic)  # again: nothing doubles
    assert NoteTemplate.objects.filter(clinic=clinic).count() == 3


# --- drafts --------------------------------------------------------------------------------------
def test_a_draft_starts_with_the_templates_sections(clinician, patient, notes_clinic):
    note = services.note_create(
        actor=clinician,
        patient=patient,
        note_type=note_type(notes_clinic),
        template=template(notes_clinic),
    )
    assert note.status == Note.Status.DRAFT
    assert note.title == "SOAP"
    assert [s["name"] for s in note.sections] == ["Subjective", "Objective", "Assessment", "Plan"]
    assert note.revisions.count() == 1


def test_a_section_the_template_does_not_have_is_refused(clinician, patient, notes_clinic):
    with pytest.raises(ValidationError) as refused:
        services.note_create(
            actor=clinician,
            patient=patient,
            note_type=note_type(notes_clinic),
            template=template(notes_clinic),
            sections=[{"name": "Horoscope", "text": "Mercury retrograde"}],
        )
    assert "Unknown section: Horoscope" in str(refused.value)


def test_each_save_is_a_revision_with_who_and_when(clinician, patient):
    note = make_note(clinician, patient)
    note = services.note_update(
        actor=clinician, note=note, sections=soap_sections(Plan="Review in a week.")
    )
    services.note_update(actor=clinician, note=note, title="URTI")
    revisions = list(NoteRevision.objects.filter(note=note).order_by("created_at", "id"))
    assert [r.version for r in revisions] == [1, 2, 3]
    assert {r.editor_id for r in revisions} == {clinician.pk}
    assert revisions[1].sections[3]["text"] == "Review in a week."
    assert revisions[2].title == "URTI"


def test_autosaves_within_a_minute_fold_into_one_revision(clinician, patient):
    note = make_note(clinician, patient)
    for text in ("R", "Re", "Rest"):
        note = services.note_update(
            actor=clinician, note=note, sections=soap_sections(Plan=text), autosave=True
        )
    revisions = list(NoteRevision.objects.filter(note=note).order_by("created_at", "id"))
    assert len(revisions) == 2
    assert revisions[-1].sections[3]["text"] == "Rest"
    assert revisions[-1].version == stored(note).version == 4


def test_a_save_from_an_older_version_is_a_conflict(clinician, patient):
    note = make_note(clinician, patient)
    services.note_update(actor=clinician, note=stored(note), title="From tab one")
    with pytest.raises(Conflict) as refused:
        services.note_update(actor=clinician, note=stored(note), title="From tab two", version=1)
    assert refused.value.extra["current_version"] == 2
    assert stored(note).title == "From tab one"


def test_only_the_author_edits_or_signs_a_draft(clinician, second_clinician, patient):
    note = make_note(clinician, patient)
    with pytest.raises(PermissionDenied):
        services.note_update(actor=second_clinician, note=note, title="Mine now")
    with pytest.raises(PermissionDenied):
        services.note_sign(actor=second_clinician, note=note)
    assert stored(note).status == Note.Status.DRAFT


@pytest.mark.parametrize(
    "sections",
    [
        [{"name": n, "text": "  "} for n in ("Subjective", "Objective", "Assessment", "Plan")],
        None,  # exactly the template's starter text
    ],
)
def test_an_empty_note_cannot_be_signed(clinician, patient, notes_clinic, sections):
    note = services.note_create(
        actor=clinician,
        patient=patient,
        note_type=note_type(notes_clinic),
        template=template(notes_clinic),
        sections=sections,
    )
    with pytest.raises(ValidationError) as refused:
        services.note_sign(actor=clinician, note=note)
    assert "empty" in str(refused.value)


# --- co-signature --------------------------------------------------------------------------------
def test_cosign_flow(clinician, second_clinician, patient):
    note = make_note(clinician, patient, signed=True)
    note = services.note_request_cosign(actor=clinician, note=note, cosigner_id=second_clinician.pk)
    assert stored(note).awaits_cosignature
    with pytest.raises(PermissionDenied):
        services.note_cosign(actor=clinician, note=stored(note))  # not the one asked
    services.note_cosign(actor=second_clinician, note=stored(note))
    fresh = stored(note)
    assert fresh.cosigned_by_id == second_clinician.pk
    assert fresh.cosigned_at is not None
    assert fresh.signed_by_id == clinician.pk  # both signatures


def test_cosign_needs_a_signed_note(clinician, second_clinician, patient):
    note = make_note(clinician, patient)
    with pytest.raises(Conflict):
        services.note_request_cosign(actor=clinician, note=note, cosigner_id=second_clinician.pk)


def test_the_cosigner_must_be_a_clinician_of_the_clinic(
    clinician, staff, other_staff, patient, nurse
):
    note = make_note(clinician, patient, signed=True)
    for user in (nurse, other_staff["clinician"], clinician):
        with pytest.raises(ValidationError) as refused:
            services.note_request_cosign(actor=clinician, note=note, cosigner_id=user.pk)
        assert "cosigner" in refused.value.message_dict


# --- addenda and sharing -------------------------------------------------------------------------
def test_addenda_are_kept_in_the_order_they_were_added(clinician, nurse, patient):
    note = make_note(clinician, patient, signed=True)
    services.addendum_add(actor=clinician, note=note, text="First")
    services.addendum_add(actor=nurse, note=note, text="Second")
    services.addendum_add(actor=clinician, note=note, text="Third")
    texts = list(note.addenda.order_by("created_at", "id").values_list("text", flat=True))
    assert texts == ["First", "Second", "Third"]


def test_a_draft_takes_no_addendum(clinician, patient):
    note = make_note(clinician, patient)
    with pytest.raises(Conflict):
        services.addendum_add(actor=clinician, note=note, text="Too early")


def test_sharing_before_and_after_signing(clinician, patient):
    note = make_note(clinician, patient, shared=True)
    assert note.shared_with_patient
    note = services.note_sign(actor=clinician, note=note)
    services.note_share(actor=clinician, note=note, shared=False)
    assert stored(note).shared_with_patient is False


# --- appointments, through the lookup the appointments app contributes -------------------------
@pytest.fixture
def booked(clinic, staff, patient):
    """A real appointment of `patient` and one of another patient of the clinic."""
    appointment_services.types_install(clinic=clinic)
    follow_up = AppointmentType.objects.get(clinic=clinic, name="Follow-up")
    provider = staff["clinician"]
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    add_hours(clinic, provider)
    day = next_weekday(0, 2, tz)

    def book(who, hhmm):
        return appointment_services.appointment_book(
            actor=staff["receptionist"],
            patient=who,
            provider_id=provider.pk,
            type_id=follow_up.pk,
            start=local(day, hhmm, tz),
        )[0]

    return {"own": book(patient, "09:00"), "other": book(PatientFactory(clinic=clinic), "10:00")}


def test_an_appointment_of_the_same_patient_is_linked(booked, clinician, patient, client):
    note = make_note(clinician, patient)
    own = booked["own"].pk
    note = services.note_update(actor=clinician, note=note, appointment_id=own)
    assert stored(note).appointment_id == own
    client.force_login(clinician)
    for page in (f"/notes/{note.pk}/", f"/notes/{note.pk}/history/"):
        shown = client.get(page).content.decode()  # a link to the visit, not its raw id
        assert f'<a href="/appointments/{own}/">Open the appointment</a>' in shown


@pytest.mark.parametrize(
    ("which", "message"), [("other", "another patient"), ("unknown", "Unknown appointment")]
)
def test_an_appointment_of_another_patient_or_unknown_is_refused(
    booked, clinician, patient, which, message
):
    note = make_note(clinician, patient)
    appointment_id = booked[which].pk if which in booked else "c" * 24
    with pytest.raises(ValidationError) as refused:
        services.note_update(actor=clinician, note=note, appointment_id=appointment_id)
    assert message in refused.value.message_dict["appointment"][0]


def test_roles_that_may_not_write_notes(staff, patient, notes_clinic):
    for role in ("admin", "receptionist", "lab_tech"):
        with pytest.raises(PermissionDenied):
            services.note_create(
                actor=staff[role], patient=patient, note_type=note_type(notes_clinic)
            )


def test_another_clinics_patient_is_refused(clinician, other_patient, notes_clinic):
    with pytest.raises(ValidationError):
        services.note_create(
            actor=clinician, patient=other_patient, note_type=note_type(notes_clinic)
        )


def test_a_clinic_may_add_its_own_type(admin_user, clinician, patient):
    own = services.note_type_create(actor=admin_user, code="WOUND-1", name="Wound review")
    note = services.note_create(
        actor=clinician,
        patient=patient,
        note_type=own,
        sections=[{"name": "Wound", "text": "Healing well."}],
    )
    assert note.note_type.is_loinc is False
    with pytest.raises(ValidationError):
        services.note_type_create(actor=admin_user, code="WOUND-1", name="Again")


# --- notifications (declared in notes/contributions.py, delivered by the notifications app) -----
def test_the_cosigner_and_the_patient_are_notified(clinician, second_clinician, patient):
    notification = apps.get_model("notifications", "Notification")
    user = portal_user(patient)
    note = make_note(clinician, patient, signed=True)
    assert not notification.objects.filter(recipient=user).exists()  # not shared yet
    services.note_request_cosign(actor=clinician, note=note, cosigner_id=second_clinician.pk)
    services.note_share(actor=clinician, note=stored(note), shared=True)
    asked = notification.objects.get(recipient=second_clinician)
    assert asked.link == f"/notes/{note.pk}/"
    told = notification.objects.get(recipient=user)
    assert told.link == f"/api/v1/notes/{note.pk}/"
    assert "Cough" not in told.title  # no clinical text leaves in a notification


def test_a_section_too_long_is_refused_saying_how_long_it_may_be(clinician, patient, notes_clinic):
    """The editor's refusal (the API's serializer refuses the same length first, by field)."""
    note = make_note(clinician, patient)
    too_long = [{"name": "Subjective", "text": "x" * 100_001}]

    with pytest.raises(ValidationError) as refused:
        services.note_update(actor=clinician, note=note, sections=too_long)

    assert (
        "The section Subjective is 100,001 characters long: a section holds at most 100,000."
        in refused.value.message_dict["sections"][0]
    )
    assert Note.objects.get(pk=note.pk).sections == note.sections
