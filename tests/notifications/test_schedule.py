"""The periodic schedule runs each entry once per slot however many schedulers tick; failed
work is visible and runnable again in the Django admin."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import RefreshTokenRecord
from notifications.models import OutboxMessage
from notifications.worker import Scheduler, stale_tasks_fail
from tests.notifications.conftest import DB_TASKS
from tests.notifications.jobs import record_run


def test_two_schedulers_enqueue_each_run_once(db, settings):
    settings.TASKS = DB_TASKS  # enqueued, not run: what is counted is the queue
    first, second = Scheduler(), Scheduler()
    now = timezone.now()
    assert sorted(first.tick(now)) == sorted(settings.PERIODIC_TASKS)
    assert second.tick(now) == []
    assert first.tick(now) == []
    # half a minute later the 30-second sweep is due again (and whatever else entered a new
    # slot), for one of the two schedulers only
    later = now + timedelta(seconds=30)
    due = {e.key for e in first.entries if e.slot(later) != e.slot(now)}
    ran = second.tick(later) + first.tick(later)
    assert "deliveries.sweep" in due and sorted(ran) == sorted(due)
    keys = [row["args"][0] for row in DBTaskResult.objects.values_list("args_kwargs", flat=True)]
    assert len(keys) == len(settings.PERIODIC_TASKS) + len(due)


def test_the_schedule_prunes_expired_refresh_tokens(clinician):
    for days in (-1, 1):
        RefreshTokenRecord.objects.create(
            jti=f"jti{days}", user=clinician, expires_at=timezone.now() + timedelta(days=days)
        )
    Scheduler().tick()  # tasks run as they are enqueued in tests
    assert list(RefreshTokenRecord.objects.values_list("jti", flat=True)) == ["jti1"]


def test_tasks_left_running_by_a_dead_worker_are_failed_for_the_admins(db, settings):
    settings.TASKS = DB_TASKS
    record_run.enqueue(1)
    DBTaskResult.objects.update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(hours=7)
    )
    assert stale_tasks_fail() == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED


def test_platform_admins_see_failed_tasks_and_run_them_again(superuser_web, settings):
    settings.TASKS = DB_TASKS
    record_run.enqueue(7)
    task = DBTaskResult.objects.get()
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED, traceback="Boom")
    url = "/admin/django_tasks_database/dbtaskresult/"
    assert superuser_web.get(f"{url}?status__exact=FAILED").status_code == 200
    assert "Boom" in superuser_web.get(f"{url}{task.pk}/change/").content.decode()

    response = superuser_web.post(url, {"action": "run_again", "_selected_action": [task.pk]})
    assert response.status_code == 302
    again = DBTaskResult.objects.exclude(pk=task.pk).get()
    assert (again.status, again.args_kwargs["args"]) == (TaskResultStatus.READY, [7])


def test_platform_admins_send_failed_mail_again(superuser_web, clinician, settings, mailbox):
    from tests.conftest import free_port

    port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()
    settings.OUTBOX_MAX_ATTEMPTS = 1
    from accounts.emails import send_password_link

    send_password_link(clinician, template="accounts/email/password_reset")
    row = OutboxMessage.objects.get(status="failed")
    settings.EMAIL_PORT = port
    url = "/admin/notifications/outboxmessage/"
    assert superuser_web.get(f"{url}?status__exact=failed").status_code == 200
    superuser_web.post(url, {"action": "send_again", "_selected_action": [row.pk]})
    assert [m["Message-ID"] for m in mailbox.messages] == [row.message_id]
