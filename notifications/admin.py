"""Platform admins: every outgoing e-mail, push message and webhook call with its attempts, and
the task queue's results; failed ones can be sent or run again from the list. Webhooks are the
clinic's configuration, registered by its admins in the app (a public HTTPS address): read-only."""

from dataclasses import replace

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from core.admin import ClinicalRecordAdmin, ClinicConfigurationAdmin
from notifications import deliveries, retries
from notifications.models import (
    FailedTask,
    Notification,
    OutboxMessage,
    PeriodicRun,
    PushMessage,
    Webhook,
    WebhookDelivery,
)


@admin.action(description=_("Send again (fresh attempts)"))
def send_again(modeladmin, request, queryset):
    for row in queryset:
        deliveries.retry(row)
    messages.success(request, _("%(n)d queued to be sent again.") % {"n": queryset.count()})


class AttemptedAdmin(admin.ModelAdmin):
    list_filter = ["status"]
    actions = [send_again]
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AttemptedAdmin):
    list_display = ["subject", "recipients", "clinic", "status", "attempts", "next_attempt_at"]
    search_fields = ["subject", "message_id"]
    exclude = ["mime"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AttemptedAdmin):
    list_display = ["event", "webhook", "status", "attempts", "response_status", "created_at"]


@admin.register(PushMessage)
class PushMessageAdmin(AttemptedAdmin):
    list_display = ["device", "status", "attempts", "created_at"]


@admin.register(Webhook)
class WebhookAdmin(ClinicConfigurationAdmin):
    list_display = ["url", "clinic", "is_active", "created_at"]
    list_filter = ["is_active", "clinic"]
    search_fields = ["url", "description"]
    list_select_related = ["clinic"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    exclude = ["secret"]


@admin.register(Notification)
class NotificationAdmin(ClinicalRecordAdmin):
    """Read-only and audited like a clinical record: a notification names its patient."""

    list_display = ["event", "recipient", "clinic", "unread", "created_at"]
    list_filter = ["event", "unread"]
    list_prefetch_related = ["recipient", "clinic"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = ["key", "enqueued_at"]


@admin.action(description=_("Run again (as a new task)"))
def run_again(modeladmin, request, queryset):
    for row in queryset:
        task = replace(row.task, run_after=None)  # now, not at the original time
        kwargs = {k: v for k, v in row.args_kwargs["kwargs"].items() if k != retries.ATTEMPT}
        task.enqueue(*row.args_kwargs["args"], **kwargs)  # a retried task: fresh attempts
    n = queryset.count()
    messages.success(
        request, ngettext("%(n)d task enqueued again.", "%(n)d tasks enqueued again.", n) % {"n": n}
    )


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """django-tasks-db's read-only list of tasks, plus "run again" for failed ones."""

    actions = [run_again]


@admin.action(description=_("Run again (fresh attempts)"))
def run_failed_again(modeladmin, request, queryset):
    ran = sum(retries.failed_task_retry(row) for row in queryset)
    messages.success(
        request,
        ngettext("%(n)d task enqueued again.", "%(n)d tasks enqueued again.", ran) % {"n": ran},
    )


@admin.register(FailedTask)
class FailedTaskAdmin(admin.ModelAdmin):
    """Background tasks that failed on their last try (every clinic's and the platform's)."""

    list_display = ["task_path", "clinic", "status", "attempts", "last_error", "created_at"]
    list_filter = ["status"]
    search_fields = ["task_path", "last_error"]
    actions = [run_failed_again]
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
