"""An appointment's audit rows say what happened in words, not its status codes ("appointment
no_show"): written in English (gettext_noop), read in the reader's language on the patient's
access log (its panel and the API's `detail_label`) and the clinic's audit trail."""

import datetime
import re

from django.test import Client
from django.utils import translation

from accounts.models import AuditEvent
from appointments import services
from core.roles import Role
from tests.appointments.conftest import local
from tests.patients.factories import AllergyFactory
from tests.patients.html_factories import page_text

HOUR = datetime.timedelta(hours=1)


def details(appointment) -> list[str]:
    rows = AuditEvent.objects.filter(object_id=appointment.pk).order_by("created_at", "id")
    return [row.detail for row in rows]


def in_spanish(words: str) -> str:
    with translation.override("es"):
        return translation.gettext(words)


def test_each_change_of_an_appointment_is_audited_in_words(
    book, staff, patient, provider, monday, tz
):
    clinician, receptionist = staff[Role.CLINICIAN], staff[Role.RECEPTIONIST]
    (seen,) = book(patient, provider, local(monday, "09:00", tz))
    services.appointment_transition(actor=receptionist, appointment=seen, action="confirm")
    on_the_day = seen.start - HOUR
    services.appointment_transition(
        actor=receptionist, appointment=seen, action="check_in", now=on_the_day
    )
    services.appointment_transition(
        actor=clinician, appointment=seen, action="complete", now=seen.start + HOUR
    )
    (moved,) = book(patient, provider, local(monday, "10:00", tz))
    services.appointment_reschedule(
        actor=receptionist, appointment=moved, start=local(monday, "11:00", tz)
    )
    services.appointment_update_notes(
        actor=receptionist, appointment=moved, staff_notes="Bring the inhaler"
    )
    services.appointment_cancel(actor=receptionist, appointment=moved, reason="Flu")

    assert details(seen) == [
        "appointment booked",
        "appointment confirmed",
        "patient checked in",
        "appointment completed",
    ]
    assert details(moved) == [
        "appointment booked",
        "appointment moved",
        "appointment: staff_notes",  # the fields changed, named by their labels where read
        "appointment cancelled",
    ]


def test_a_spanish_admin_reads_the_access_log_in_spanish(
    api_as, book, staff, admin_user, patient, provider, monday, tz
):
    """A booking, a no-show and two form pages opened, read on the patient page's access log
    and through the API: the catalogue's Spanish for each, never a code like "no_show"."""
    admin_user.language = "es"
    admin_user.save()
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    services.appointment_transition(
        actor=staff[Role.NURSE],
        appointment=appointment,
        action="no_show",
        now=appointment.start + HOUR,
    )
    services.appointment_update_notes(
        actor=staff[Role.RECEPTIONIST], appointment=appointment, staff_notes="Called twice"
    )
    allergy = AllergyFactory(patient=patient)
    nurse = Client()
    nurse.force_login(staff[Role.NURSE])
    assert nurse.get(f"/patients/{patient.pk}/edit/").status_code == 200
    assert nurse.get(f"/patients/{patient.pk}/allergies/{allergy.pk}/edit/").status_code == 200
    written = [
        "appointment booked",
        "patient did not attend",
        "appointment: staff_notes",
        "edit form",
        "allergy edit form",
    ]
    spanish = [
        in_spanish("appointment booked"),
        in_spanish("patient did not attend"),
        f"{in_spanish('appointment')}: Notas para el personal",
        in_spanish("edit form"),
        in_spanish("allergy edit form"),
    ]

    web = Client()
    web.force_login(admin_user)
    page = page_text(web.get(f"/patients/{patient.pk}/"))
    panel = page[page.index('id="hp-access-log-caption"') :].split("</table>")[0]
    rows = api_as(admin_user).get(f"/api/v1/patients/{patient.pk}/access-log").json()["results"]

    logged = [(row["detail"], row["detail_label"]) for row in reversed(rows)]
    assert logged[: len(written)] == list(zip(written, spanish, strict=True))
    assert spanish[2] == "cita: Notas para el personal"
    for label in spanish:
        assert f"({label})" in panel
    shown = re.sub(r"<[^>]*>", "", panel) + "".join(row["detail_label"] for row in rows)
    assert "_" not in shown  # no code such as "no_show" or "staff_notes"
