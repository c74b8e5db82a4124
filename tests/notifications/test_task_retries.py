"""General background tasks (`@retried_task`) retry with back-off on the database queue, run by
real worker processes; after the last try they are listed as failed for admins to run again."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from notifications.models import FailedTask
from tests.factories import UserFactory
from tests.notifications.conftest import finish
from tests.notifications.jobs import flaky

FLAKY = "tests.notifications.jobs.flaky"


def run_worker(worker_db, log, attempts: int) -> None:
    """One batch of a real `db_worker` over what is ready now, then read back what it wrote."""
    worker_db.push()
    env = worker_db.env(RUN_LOG=log, TASK_RETRY_ATTEMPTS=attempts, TASK_RETRY_SECONDS=30)
    finish(worker_db.manage("db_worker", "--batch", "--no-reload", "--interval=0", env=env))
    worker_db.pull()


def waiting_retry() -> DBTaskResult:
    """The one retry waiting in the queue (there must be exactly one)."""
    return DBTaskResult.objects.get(status=TaskResultStatus.READY)


def make_due(row: DBTaskResult) -> None:
    """As if its back-off had passed."""
    DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now())


def test_a_task_failing_twice_runs_three_times_waiting_longer_each_time(worker_db, tmp_path):
    log = tmp_path / "runs.log"
    flaky.enqueue("a", fail_times=2)
    waits = []
    for _ in range(2):
        before = timezone.now()
        run_worker(worker_db, log, attempts=5)
        retry = waiting_retry()
        waits.append(retry.run_after - before)
        make_due(retry)
    run_worker(worker_db, log, attempts=5)

    assert log.read_text().split() == ["a", "a", "a"]
    assert timedelta(seconds=30) <= waits[0] < timedelta(seconds=60)
    assert timedelta(seconds=120) <= waits[1] < timedelta(seconds=150)
    runs = DBTaskResult.objects.order_by("enqueued_at")
    assert [r.status for r in runs] == [TaskResultStatus.FAILED] * 2 + [TaskResultStatus.SUCCESSFUL]
    assert [r.args_kwargs["kwargs"].get("_attempt", 1) for r in runs] == [1, 2, 3]
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
    assert not FailedTask.objects.exists()


@pytest.fixture
def failed_for_good(worker_db, tmp_path, clinic):
    """A clinic's task that always fails, run to its last try (2) by real workers."""
    log = tmp_path / "runs.log"
    flaky.enqueue("b", fail_times=99, clinic_id=clinic.pk)
    run_worker(worker_db, log, attempts=2)
    make_due(waiting_retry())
    run_worker(worker_db, log, attempts=2)
    assert log.read_text().split() == ["b", "b"]
    return FailedTask.objects.get()


def test_a_task_failing_every_try_is_listed_for_its_clinic_admins(
    failed_for_good, clinic, admin_user, other_admin, clinician
):
    row = failed_for_good
    assert (row.task_path, row.attempts, row.clinic_id) == (FLAKY, 2, clinic.pk)
    assert row.last_error == "ConnectionError: run 2 of b failed"
    assert "ConnectionError" in row.traceback
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()  # no 3rd try

    page = logged_in(admin_user).get("/notifications/failed/")
    assert FLAKY in page.content.decode()
    assert FLAKY not in logged_in(other_admin).get("/notifications/failed/").content.decode()
    assert logged_in(clinician).get("/notifications/failed/").status_code == 403


def test_a_clinic_admin_runs_a_failed_task_again_with_fresh_attempts(
    failed_for_good, admin_user, other_admin, tmp_path, worker_db
):
    retry_url = f"/notifications/failed/task/{failed_for_good.pk}/retry/"
    assert logged_in(other_admin).post(retry_url).status_code == 404
    assert logged_in(admin_user).post(retry_url).status_code == 302

    again = waiting_retry()
    assert again.args_kwargs["kwargs"]["_attempt"] == 1
    assert DBTaskResult.objects.ready().filter(pk=again.pk).exists()  # now, not after a wait
    failed_for_good.refresh_from_db()
    assert failed_for_good.status == FailedTask.Status.RETRIED
    assert FLAKY not in logged_in(admin_user).get("/notifications/failed/").content.decode()
    assert logged_in(admin_user).post(retry_url).status_code == 404  # once only

    run_worker(worker_db, tmp_path / "runs.log", attempts=2)  # it runs again, retried later
    assert (tmp_path / "runs.log").read_text().split() == ["b", "b", "b"]
    assert waiting_retry().args_kwargs["kwargs"]["_attempt"] == 2


def test_a_task_of_no_clinic_is_for_platform_admins_who_run_it_again(worker_db, tmp_path, clinic):
    log = tmp_path / "runs.log"
    flaky.enqueue("c", fail_times=99)
    run_worker(worker_db, log, attempts=1)
    row = FailedTask.objects.get()
    assert row.clinic_id is None
    clinic_admin = UserFactory(clinic=clinic, role="admin")
    assert FLAKY not in logged_in(clinic_admin).get("/notifications/failed/").content.decode()

    root = UserFactory(clinic=None, role="admin", is_staff=True, is_superuser=True)
    admin_site = logged_in(root)
    listing = admin_site.get("/admin/notifications/failedtask/")
    assert FLAKY in listing.content.decode()
    admin_site.post(
        "/admin/notifications/failedtask/",
        {"action": "run_failed_again", "_selected_action": [row.pk]},
    )
    assert waiting_retry().args_kwargs["kwargs"]["_attempt"] == 1
    row.refresh_from_db()
    assert row.status == FailedTask.Status.RETRIED


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
