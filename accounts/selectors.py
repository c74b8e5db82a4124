from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.models import AuditEvent, User
from core.access import get_in_reach, in_reach
from core.roles import STAFF_ROLES, require


def audit_events_for_patient(*, patient_id: str):
    """Who touched a patient's record, newest first (callers check who may see it)."""
    return AuditEvent.objects.filter(patient_id=patient_id).select_related("actor")


def lockouts_list(*, actor) -> list[dict]:
    """The actor's clinic's staff who are locked out now (from at least one address):
    `{"user", "failures", "last_attempt_at", "sources"}`, newest lockout first."""
    require(actor, "staff.view")
    staff = {
        user.email: user
        for user in in_reach(User.objects.filter(role__in=STAFF_ROLES), actor=actor, patient=None)
    }
    if not staff:
        return []
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=list(staff), attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    locked: dict[str, dict] = {}
    for row in rows:
        if row["failures"] < settings.AXES_FAILURE_LIMIT:
            continue
        entry = locked.setdefault(
            row["username"],
            {
                "user": staff[row["username"]],
                "failures": 0,
                "last_attempt_at": row["last"],
                "sources": 0,
            },
        )
        entry["failures"] += row["failures"]
        entry["sources"] += 1
        entry["last_attempt_at"] = max(entry["last_attempt_at"], row["last"])
    return sorted(locked.values(), key=lambda e: e["last_attempt_at"], reverse=True)


def lockout_user(*, actor, id: str) -> User:
    """A staff member of the actor's clinic whose lockouts the actor may clear (404, then 403)."""
    return get_in_reach(
        User.objects.filter(role__in=STAFF_ROLES),
        actor=actor,
        id=id,
        permission="staff.manage",
        patient=None,
    )
