"""Staff pages: my notifications (the bell's page), my preferences, and for clinic admins the
e-mails, webhook calls and background tasks that failed for good, with "retry"."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, flash_errors
from notifications import selectors, services
from notifications.forms import PreferencesForm


@staff_page("notifications.own")
def notification_list(request):
    page = selectors.notification_page(actor=request.user, number=request.GET.get("page", 1))
    return render(request, "notifications/list.html", {"page_obj": page})


@require_POST
@staff_page()
def notification_open(request, pk):
    """Mark it read and follow its link (only links inside this site)."""
    notification = selectors.notification_get(actor=request.user, id=pk)
    services.notification_read(actor=request.user, notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:list")


@require_POST
@staff_page("notifications.own")
def read_all(request):
    marked = services.notifications_read_all(actor=request.user)
    messages.success(
        request,
        ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", marked)
        % {"n": marked},
    )
    return redirect("notifications:list")


@staff_page("notifications.own")
def preferences(request):
    current = services.preferences_get(actor=request.user)
    form = PreferencesForm(request.POST or None, preferences=current)
    if request.method == "POST" and form.is_valid():
        items = form.items()
        if not items:
            messages.info(request, _("Nothing was changed."))
            return redirect("notifications:preferences")
        try:
            services.preferences_set(actor=request.user, items=items)
        except SERVICE_ERRORS as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "rows": form.rows()})


FAILED_SHOWN = 100


def _latest(rows) -> dict:
    """The latest FAILED_SHOWN rows, and whether there are more (one row more read, no count),
    so the page says it shows only some instead of hiding the rest in silence."""
    rows = list(rows[: FAILED_SHOWN + 1])
    return {"rows": rows[:FAILED_SHOWN], "more": len(rows) > FAILED_SHOWN}


@staff_page("deliveries.manage")
def failed_deliveries(request):
    return render(
        request,
        "notifications/failed.html",
        {
            "mail": _latest(selectors.failed_mail(actor=request.user)),
            "calls": _latest(selectors.failed_webhook_calls(actor=request.user)),
            "tasks": _latest(selectors.failed_tasks(actor=request.user)),
            "shown": FAILED_SHOWN,
        },
    )


@require_POST
@staff_page()
def failed_retry(request, kind, pk):
    row = selectors.failed_delivery_get(actor=request.user, kind=kind, id=pk)
    services.delivery_retry(actor=request.user, row=row)
    messages.success(request, _("Sending again."))
    return redirect("notifications:failed")
