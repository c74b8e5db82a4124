"""Inside Django, for bench/messaging.py (run through `manage.py shell -c`):

    from bench.messaging_plans import main; main()   # query plans of the messaging reads
    from bench.messaging_plans import seed_small_clinic; seed_small_clinic(...)  # the control

Prints, as Markdown, the plan (QuerySet.explain()) of each read the inbox and the navigation
bar make, the index it uses, whether SQLite sorts in a temporary B-tree, and the median time
of a few runs. The querysets are the selectors' own.
"""

from django.db import connection

from accounts.models import User
from bench.harness import EMAIL, explain_table, print_plans, timed
from clinics.models import Clinic
from core.contributions import clinic_created
from core.roles import Role
from messaging import demo, selectors
from messaging.models import Message, ReadState, Thread, UnreadCounter
from patients.demo import seed_patients

SMALL_SLUG = "bench-small-clinic"


def main() -> None:
    actor = User.objects.get(email=EMAIL)

    def threads(**filters):
        return selectors.thread_list(actor=actor, **filters)

    reads = [
        ("inbox, assigned to me (25)", threads(tab="mine")[:25], "thread_assigned"),
        ("inbox, team (25)", threads(tab="team")[:25], "thread_assigned"),
        ("inbox, all open (25)", threads(tab="open")[:25], "thread_inbox"),
        ("inbox, closed (25)", threads(tab="closed")[:25], "thread_inbox"),
        ("API list, every status (25)", threads()[:25], "thread_clinic"),
        (
            "unread count (navigation bar)",
            UnreadCounter.objects.filter(user_id=actor.pk),
            "sqlite_autoindex_messaging_unreadcounter_2",
        ),
        (
            "read states of a page (bold rows)",
            ReadState.objects.filter(user=actor, thread_id__in=["0" * 24] * 25),
            "sqlite_autoindex_messaging_readstate_2",
        ),
    ]
    counts = [
        ("inbox, assigned to me", threads(tab="mine")),
        ("inbox, all open", threads(tab="open")),
        ("inbox, closed", threads(tab="closed")),
        ("inbox, closed, search 'smi'", threads(tab="closed", search="smi")),
    ]
    print(
        f"- {connection.vendor}, {Thread.objects.count()} threads, {Message.objects.count()} "
        f"messages; the clinician's unread count is {selectors.unread_count(actor=actor)}"
    )
    print()
    plans = explain_table(reads)
    for name, queryset in counts:
        print(f"| {name}: the paginator's count | | | | {timed(queryset.count, runs=3):.1f} |")
    print_plans(plans)


def seed_small_clinic(*, email: str, password: str, patients: int, threads: int, per_thread: int):
    """The control beside the big demo clinic: a second clinic with its own clinician, topped
    up the same way (same seeder, same share of open threads) but 100× smaller, so the two
    inboxes are measured side by side in one run on one loaded machine."""
    clinic, created = Clinic.objects.get_or_create(
        slug=SMALL_SLUG, defaults={"name": "Small Clinic", "timezone": "Europe/London"}
    )
    if created:
        clinic_created(clinic)
    user = User.objects.filter(email=email).first() or User(email=email)
    user.name, user.role, user.clinic = "Dr Small Clinician", Role.CLINICIAN, clinic
    user.is_active, user.is_verified = True, True
    user.set_password(password)
    user.save()
    seed_patients(clinic=clinic, target=patients, staff=user, recorder=user)
    demo.seed_threads(
        clinic=clinic, users={Role.CLINICIAN: user}, threads=threads, per_thread=per_thread
    )
    print(
        Thread.objects.filter(clinic=clinic).count(), Message.objects.filter(clinic=clinic).count()
    )
