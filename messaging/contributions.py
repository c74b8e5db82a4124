"""What messaging adds to the rest: the patient page's Messages panel, threads as something
files attach to, its notification events (never any message content), the demo threads, the
chart facts and FHIR Communications of a patient, and the thread digest ai_assist triages."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import STAFF_CHANGED
from core.contributions import (
    AppPage,
    AttachmentTarget,
    Backfill,
    ChartFact,
    ChartSource,
    FhirResources,
    NotificationEvent,
    Panel,
    PatientRecords,
    Reconciled,
    RecordPage,
    Seeder,
    Service,
    contribute,
)
from core.events import listen
from core.roles import Role
from messaging import demo, fhir, selectors, services
from patients.services import PORTAL_LINKED

# A thread's page in the patient's app.
APP_PAGE = AppPage(route="api-message-thread", target="message_thread", path="/messages/{id}")


# --- notification events (raised by messaging.services; obj is a Message or a Thread) ------------
def _thread_of(obj):
    return getattr(obj, "thread", obj)


def _assigned(message):
    thread = message.thread
    return [thread.assigned_to] if thread.assigned_to_id else []


def _team(message):
    """The clinic's clinicians and nurses (each hears of it only if they turned it on)."""
    return User.objects.filter(
        clinic_id=message.clinic_id, role__in=[Role.CLINICIAN, Role.NURSE], is_active=True
    )


def _patient_user(message):
    patient = message.thread.patient
    return [patient.user] if patient.user_id else []


def _clinic_admins(thread):
    return User.objects.filter(clinic_id=thread.clinic_id, role=Role.ADMIN, is_active=True)


def _link(obj, user) -> str:
    thread = _thread_of(obj)
    if user.role == Role.PATIENT:
        return APP_PAGE.api_link(thread.pk)
    return reverse("messaging:thread", args=[thread.pk])


def chart_facts(*, actor, patient, since=None) -> list:
    """The patient's open threads, each pointing at its page."""
    threads = selectors.thread_list(actor=actor, patient=patient.pk, status="open")
    if since is not None:
        threads = threads.filter(last_message_at__gte=since)
    return [
        ChartFact(
            section="messages",
            text=f"{thread.subject} ({thread.get_category_display()})"
            + (" — urgent" if thread.urgent else ""),
            type="messaging.thread",
            id=thread.pk,
            url=reverse("messaging:thread", args=[thread.pk]),
            at=thread.last_message_at,
            data={"category": thread.category, "urgent": thread.urgent, "status": thread.status},
        )
        for thread in threads[:50]
    ]


contribute(
    "messaging",
    RecordPage(model="messaging.Thread", url_name="messaging:thread"),
    APP_PAGE,
    Reconciled(model="messaging.Thread", children=("messages",)),
    Reconciled(model="messaging.Message"),
    Backfill("messaging.0005_fill_thread_words"),
    PatientRecords(key="messaging", models=("messaging.Thread",)),
    Panel(
        key="messages",
        title=_("Messages"),
        template="messaging/panels/messages.html",
        permission="messaging.view",
        order=30,
        context=selectors.patient_panel,
    ),
    AttachmentTarget(
        key="message_thread",
        label=_("Message thread"),
        get=selectors.thread_get_for_attachment,
        patients_attach=True,  # a patient's photo for their own thread
        permission="messaging.view",
    ),
    Seeder(key="messaging", add_arguments=demo.add_arguments, seed=demo.seed, order=60),
    ChartSource(key="messaging", facts=chart_facts, order=60),
    FhirResources(key="messaging", resources=fhir.communications, order=60),
    Service(key="messaging.thread_for_triage", call=selectors.thread_for_triage),
    NotificationEvent(
        key=services.EVENT_PATIENT_MESSAGE,
        label=_("New message from a patient"),
        description=_("A patient wrote in a thread assigned to you."),
        default_channels=("in_app",),
        audience=(Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST),
        applies=lambda message: bool(message.thread.assigned_to_id),
        recipients=_assigned,
        link=_link,
        order=50,
    ),
    NotificationEvent(
        key=services.EVENT_TEAM_MESSAGE,
        label=_("New message in the team inbox"),
        description=_("A patient wrote in an unassigned thread (off unless you turn it on)."),
        default_channels=(),
        audience=(Role.CLINICIAN, Role.NURSE),
        applies=lambda message: not message.thread.assigned_to_id,
        recipients=_team,
        link=_link,
        order=51,
    ),
    NotificationEvent(
        key=services.EVENT_STAFF_REPLY,
        label=_("New message"),
        description=_("Your clinic answered one of your messages."),
        default_channels=("in_app", "email", "push"),
        audience=(Role.PATIENT,),
        recipients=_patient_user,
        link=_link,
        order=52,
        # The whole of what leaves the system: no subject, no text (the link opens the thread).
        sentence=_("You have a new message from %(clinic)s."),
    ),
    NotificationEvent(
        key=services.EVENT_URGENT_OVERDUE,
        label=_("Urgent message waiting"),
        description=_("An urgent patient message was not answered within the response target."),
        default_channels=("in_app", "email"),
        mandatory_channels=("in_app",),
        audience=(Role.ADMIN,),
        recipients=_clinic_admins,
        link=_link,
        order=53,
    ),
)


def _portal_account_linked(event_key: str, obj=None, **payload) -> None:
    """A record given its portal account (patients.services.patient_invite, as it links it)."""
    if event_key == PORTAL_LINKED and obj is not None:
        services.patient_account_linked(user=obj)


def _staff_changed(event_key: str, obj=None, actor=None, **payload) -> None:
    if event_key == STAFF_CHANGED and obj is not None:
        services.assignments_of_departed(actor=actor, user=obj)


listen("messaging", _portal_account_linked)
listen("messaging.staff", _staff_changed)
