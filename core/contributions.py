"""What apps add to each other, declared in each app's `contributions.py`.

`core` autodiscovers those modules at start-up (CoreConfig.ready), so adding an app never edits
another app: it calls `contribute(...)` once with everything it adds. Hubs (the patient page, the
staff home, `seed_demo`, clinic sign-up, notifications, files) read the registries below.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse

from core.registry import Registry
from core.roles import can


@dataclass(frozen=True)
class Panel:
    """A section of the patient page: `template` rendered with the patient and `context(...)`."""

    key: str
    title: str
    template: str
    permission: str
    order: int = 100
    # context(actor=..., patient=...) -> dict; reads through the owning app's selectors.
    context: Callable[..., dict] | None = None


@dataclass(frozen=True)
class Widget:
    """A card on the staff home: `template` rendered with `context(actor=...)` as `data`."""

    key: str
    template: str
    permission: str
    order: int = 100
    context: Callable[..., dict] | None = None


@dataclass(frozen=True)
class Seeder:
    """Demo data for `manage.py seed_demo`: idempotent where it can be."""

    key: str
    # seed(clinic=..., users=..., options=..., stdout=...)
    seed: Callable
    # add_arguments(parser): the command-line options this seeder understands.
    add_arguments: Callable = lambda parser: None
    order: int = 100


@dataclass(frozen=True)
class ClinicHook:
    """Set-up a new clinic gets from an app (e.g. the labs catalogue): setup(clinic=...)."""

    key: str
    setup: Callable
    order: int = 100


@dataclass(frozen=True)
class NotificationEvent:
    """An event an app raises and users may be notified of (see the notifications app)."""

    key: str
    label: str
    description: str = ""
    # Channels on unless the user turns them off, and those that cannot be turned off.
    default_channels: tuple[str, ...] = ("in_app",)
    mandatory_channels: tuple[str, ...] = ()
    order: int = 100
    # The roles that may receive it (its row in their preferences); empty: every role.
    audience: tuple[str, ...] = ()
    # applies(obj) -> bool: False when this record is not an instance of the event (not raised).
    applies: Callable[..., bool] | None = None
    # recipients(obj) -> users to notify; none: only webhooks hear of it.
    recipients: Callable[..., Iterable] | None = None
    # link(obj, user) -> the path of the page (or API resource) the notification opens.
    link: Callable[..., str] | None = None
    # Unread after CRITICAL_ESCALATION_MINUTES: notify every user of this role in the clinic.
    escalate_to_role: str = ""
    # What the e-mail and push say, with "%(clinic)s" (never any content of the record); empty:
    # the generic "You have a new notification from <clinic>: <label>."
    sentence: str = ""
    # The raising app writes the e-mail itself (richer than the generic one) when the service
    # "notifications.channels_for" says the recipient has it on; notify sends none.
    own_email: bool = False


@dataclass(frozen=True)
class AttachmentTarget:
    """A kind of record files may be attached to (see the files app).

    `get(actor=..., id=...)` is the owning app's access call for attaching to that record: it
    returns the record (with `clinic_id` and `patient_id`) or raises 404/403 like any other
    read. `read`, where it differs, is the call for listing the record's files: whoever may read
    a draft note sees its files, only its author attaches.
    """

    key: str
    label: str
    get: Callable
    order: int = 100
    # `url(id)`: the record's staff page, for another app's page that names it (a note's visit).
    url: Callable[[str], str] | None = None
    read: Callable | None = None
    # Whether a patient attaches their own files here (their record, their thread); off unless
    # the owning app says so (a shared note is read by the patient, never added to).
    patients_attach: bool = False
    # The role permission that reads these records: staff without it see none of their files
    # anywhere (a receptionist reads no notes, so no note's scans in the patient's files).
    permission: str = ""


@dataclass(frozen=True)
class PatientRecords:
    """Models ("app_label.Model", each with a `patient` foreign key) holding an app's records
    about a patient: a patient with any of them is clinical history, archived, never deleted."""

    key: str
    models: tuple[str, ...]
    order: int = 100


@dataclass(frozen=True)
class ChartFact:
    """One statement about a patient's chart, pointing at the record it rests on (a citation)."""

    # "problems", "medications", "allergies", "results", "appointments", "programs",
    # "messages", "notes" — the summary section it belongs to.
    section: str
    text: str
    type: str  # the record's kind, e.g. "labs.result"
    id: str
    url: str  # the staff page that shows the record
    at: object = None  # datetime/date the fact is about, for "since" and ordering
    data: dict = field(default_factory=dict)  # structured extras (codes, values, flags)


@dataclass(frozen=True)
class ChartSource:
    """An app's facts about a patient for summaries and note drafts (see ai_assist).

    `facts(actor=..., patient=..., since=None) -> list[ChartFact]` reads through the app's own
    selectors (so it is audited like any other read); `since` keeps only newer facts.
    """

    key: str
    facts: Callable[..., list]
    order: int = 100


@dataclass(frozen=True)
class FhirResources:
    """An app's FHIR R4 resources about a patient, for the whole-record export bundle.

    `resources(actor=..., patient=...) -> list[dict]` (each a FHIR resource with resourceType/id).
    Part of the export's one audited read (`patients.export.record_export` writes its "export"
    row), so it writes no audit row of its own.
    """

    key: str
    resources: Callable[..., list]
    order: int = 100


@dataclass(frozen=True)
class Aside:
    """A box one app adds beside another app's record page (e.g. AI triage beside a thread).

    The page owning `record` (e.g. "messaging.thread") renders `asides_for(...)`;
    `context(actor=..., obj=...) -> dict` is rendered into `template` as `data`.
    """

    key: str
    record: str
    template: str
    permission: str
    order: int = 100
    context: Callable[..., dict] | None = None


@dataclass(frozen=True)
class Service:
    """A named service one app offers to its peers without being imported by them.

    Called with `call_service("notes.draft_create", actor=..., ...)`; the callee keeps its own
    access rules and typed errors. A caller that can live without it catches `LookupError`.
    """

    key: str
    call: Callable


@dataclass(frozen=True)
class Reconciled:
    """A unit `manage.py reconcile` checks (core.reconcile) for what a crash could leave half
    written: each row of `model` ("app_label.Model") has its "create" audit row (unless
    `audited` is False) and at least one row in each reverse relation named in `children`
    (e.g. a lab order's "items"). `patient` is the path to the row's patient ("" for the Patient
    model itself, None for rows about no patient), for the audit rows of seeded data."""

    model: str
    children: tuple[str, ...] = ()
    audited: bool = True
    patient: str | None = "patient"
    order: int = 100

    @property
    def key(self) -> str:
        return self.model


@dataclass(frozen=True)
class Backfill:
    """A data migration (`migration`, "notes.0006_note_words") that wrote, for the records
    already stored, rows an app derives from them (a word index) or a correction of them. A
    backup taken before it restores the records without what it wrote, so `restore` runs its
    Python code again once the rows are loaded (core.backup), as `migrate` once did. Its code
    then runs on the current models, not the migration's: register one only while that works
    (tests/reliability_backup restores a backup from before every one)."""

    migration: str

    @property
    def key(self) -> str:
        return self.migration


@dataclass(frozen=True)
class Warmer:
    """What an app's pages would otherwise do on a new worker's first request in a language,
    done once in gunicorn's master before it forks (core.warmup): `warm()` is called with each
    language active. For per-process caches of fixed HTML or data, never a database read."""

    key: str
    warm: Callable[[], object]
    order: int = 100


@dataclass(frozen=True)
class RecordPage:
    """The staff page of one kind of record, for a page that names records of other apps (the
    clinic's audit trail): the URL named `url_name`, given the id, for a row of `model`
    ("app_label.Model"). The page itself answers 404 or 403 as it always does."""

    model: str
    url_name: str

    @property
    def key(self) -> str:
        return self.model


@dataclass(frozen=True)
class AppPage:
    """The page of the patients' mobile app that shows what the API route named `route` serves:
    a notification linking that route tells the app the `target` type it routes on, and its
    e-mail and push give the app's own link, settings.PATIENT_APP_LINK + `path` ("{id}": the id
    the route names), never the API URL."""

    route: str
    target: str
    path: str
    # Whether the API link ends in "/", as the links stored in notifications always have (the
    # route answers both; a patient's labs never had it).
    trailing_slash: bool = True

    @property
    def key(self) -> str:
        return self.route

    def api_link(self, record_id) -> str:
        """The API resource a notification links for `record_id`, reversed from `route`, so a
        renamed route fails where the link is made instead of leaving `target` empty."""
        link = reverse(self.route, args=[record_id]).rstrip("/")
        return link + "/" if self.trailing_slash else link


panels: Registry[Panel] = Registry("patient page panels")
widgets: Registry[Widget] = Registry("staff home widgets")
seeders: Registry[Seeder] = Registry("demo seeders")
clinic_hooks: Registry[ClinicHook] = Registry("new-clinic hooks")
notification_events: Registry[NotificationEvent] = Registry("notification events")
attachment_targets: Registry[AttachmentTarget] = Registry("attachment targets")
patient_records: Registry[PatientRecords] = Registry("records about a patient")
chart_sources: Registry[ChartSource] = Registry("chart facts")
fhir_resources: Registry[FhirResources] = Registry("FHIR resources about a patient")
asides: Registry[Aside] = Registry("record page asides")
services: Registry[Service] = Registry("services offered to peer apps")
reconciled: Registry[Reconciled] = Registry("units reconcile checks")
backfills: Registry[Backfill] = Registry("data migrations a restore runs again")
warmers: Registry[Warmer] = Registry("start-up warmers")
record_pages: Registry[RecordPage] = Registry("record pages")
app_pages: Registry[AppPage] = Registry("patient app pages")

_REGISTRIES = {
    Panel: panels,
    Widget: widgets,
    Seeder: seeders,
    ClinicHook: clinic_hooks,
    NotificationEvent: notification_events,
    AttachmentTarget: attachment_targets,
    PatientRecords: patient_records,
    ChartSource: chart_sources,
    FhirResources: fhir_resources,
    Aside: asides,
    Service: services,
    Reconciled: reconciled,
    Backfill: backfills,
    Warmer: warmers,
    RecordPage: record_pages,
    AppPage: app_pages,
}


@dataclass
class Contributions:
    """Everything one app adds, in one value (what `contribute` was given)."""

    app: str
    items: list = field(default_factory=list)


def contribute(app: str, *items: Iterable) -> Contributions:
    """Register each item in the registry of its kind; the one call in an app's contributions.py."""
    for item in items:
        _REGISTRIES[type(item)].register(item.key, item)
    return Contributions(app=app, items=list(items))


# --- reading the hubs ----------------------------------------------------------------------------
def panels_for(*, actor, patient) -> list[dict]:
    """The patient-page panels this actor may see, in order, each with its context."""
    visible = []
    for panel in panels:
        if not can(actor, panel.permission):
            continue
        extra = panel.context(actor=actor, patient=patient) if panel.context else {}
        # Flat: a dataclass attribute costs the template engine a failed subscript first.
        visible.append(
            {
                "key": panel.key,
                "title": panel.title,
                "template": panel.template,
                "context": {"patient": patient, **extra},
            }
        )
    return visible


def widgets_for(*, actor) -> list[dict]:
    """The staff-home widgets this actor may see (staff of a clinic only), with their data."""
    if getattr(actor, "clinic_id", None) is None:
        return []
    return [
        {"widget": widget, "data": widget.context(actor=actor) if widget.context else {}}
        for widget in widgets
        if can(actor, widget.permission)
    ]


def asides_for(*, record: str, actor, obj) -> list[dict]:
    """The boxes other apps add beside this record's page that this actor may see."""
    return [
        {"aside": aside, "data": aside.context(actor=actor, obj=obj) if aside.context else {}}
        for aside in asides
        if aside.record == record and can(actor, aside.permission)
    ]


def call_service(key: str, **kwargs):
    """Call a peer app's service by name; LookupError when no installed app offers it."""
    service = services.get(key)
    if service is None:
        raise LookupError(f"No installed app offers the service {key!r}.")
    return service.call(**kwargs)


def patient_has_records(patient) -> bool:
    """True when any app holds records about this patient (see PatientRecords)."""
    from django.apps import apps

    return any(
        apps.get_model(label).objects.filter(patient=patient).exists()
        for records in patient_records
        for label in records.models
    )


def clinic_created(clinic) -> None:
    """Run every app's set-up for a clinic that has just been created."""
    for hook in clinic_hooks:
        hook.setup(clinic=clinic)
