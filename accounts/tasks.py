"""Background work of the accounts app (Django's Tasks API; the queue is settings.TASKS)."""

from django_tasks import task


@task
def password_reset_send(email: str) -> None:
    """Look the address up and mail a reset link if it has an account: done by a worker, so the
    request that asked takes the same path and time whether or not the account exists."""
    from accounts.services import password_reset_deliver

    password_reset_deliver(email=email)


@task
def signup_send(pending_id: str) -> None:
    """Mail a pending sign-up its link, or the address's holder a notice: done by a worker, so
    the sign-up request takes the same path and time whether or not the address has an account."""
    from accounts.services import pending_signup_deliver

    pending_signup_deliver(pending_id=pending_id)
