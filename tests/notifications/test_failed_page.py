"""The Failed deliveries page shows the latest 100 of each list and says so when there are more."""

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import new_id
from notifications.models import FailedTask, OutboxMessage

pytestmark = pytest.mark.django_db
NOTE = "Only the latest 100 are shown."


def failed_mail(clinic, subject: str) -> OutboxMessage:
    return OutboxMessage(
        clinic=clinic,
        status="failed",
        message_id=f"<{new_id()}@x>",
        sender="a@x",
        recipients=["b@x"],
        subject=subject,
        mime=base64.b64encode(b"Subject: s\n\nbody\n").decode(),
    )


def failed_task(clinic) -> FailedTask:
    return FailedTask(
        clinic=clinic, task_path="tests.job", attempts=5, last_error="ConnectionError: down"
    )


def test_more_than_100_failures_show_the_latest_100_and_say_so(clinic, admin_user):
    subjects = [f"Mail {n}" for n in range(100)] + ["Oldest mail"]
    OutboxMessage.objects.bulk_create(failed_mail(clinic, subject) for subject in subjects)
    a_day_ago = timezone.now() - timedelta(days=1)
    OutboxMessage.objects.filter(subject="Oldest mail").update(created_at=a_day_ago)
    FailedTask.objects.bulk_create(failed_task(clinic) for _ in range(100))  # exactly 100
    client = Client()
    client.force_login(admin_user)

    page = client.get("/notifications/failed/").content.decode()

    assert page.count("/notifications/failed/mail/") == 100
    assert "Oldest mail" not in page
    assert page.count("/notifications/failed/task/") == 100
    assert page.count(NOTE) == 1  # under the e-mails only: every task is listed
