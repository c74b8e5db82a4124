"""Background work of the accounts app (Django's Tasks API; the queue is settings.TASKS)."""

from django_tasks import task


@task
def password_reset_send(email: str) -> None:
    """Look the address up and mail a reset link if it has an account: done by a worker, so the
    request that asked takes the same path and time whether or not the account exists."""
    from accounts.services import password_reset_deliver

    password_reset_deliver(email=email)
