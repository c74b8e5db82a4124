"""HTML pages of messaging: the inbox, a thread (with polling for new messages), starting a
thread from the patient page, and the clinic's settings and saved replies.

Each page loads its record with one selector call (404 outside the clinic, 403 for a role or
category that may not) and writes through one service; opening a thread marks it read.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.audit import VIEW, audit
from core.contributions import asides_for
from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.lists import filtered_page, page_size
from messaging import selectors, services
from messaging.forms import (
    InboxFilterForm,
    ManageForm,
    ReplyForm,
    SavedReplyForm,
    SettingsForm,
    ThreadStartForm,
)
from patients.selectors import patient_get

# A file refused by the files app (type, size, a category the role may not use) or a category
# the role may not write is a form error, like any other refused input.
UPLOAD_ERRORS = (*SERVICE_ERRORS, PermissionDenied)


def _form_error(form, exc) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("Your role may not send this."))
    else:
        apply_service_errors(form, exc, {"file": "attachments"})  # by the files chosen


TABS = [
    ("mine", gettext_lazy("Assigned to me")),
    ("team", gettext_lazy("Team inbox")),
    ("open", gettext_lazy("All open")),
    ("closed", gettext_lazy("Closed")),
]
# Offered only while the inbox shows one patient's threads (the patient page's "More threads").
ALL_TAB = ("all", gettext_lazy("All"))


@require_GET
@staff_page("messaging.view")
def inbox(request):
    form = InboxFilterForm(request.GET, actor=request.user)
    filters = form.thread_filters()
    page_obj = filtered_page(
        form,
        selectors.thread_page,
        actor=request.user,
        number=request.GET.get("page"),
        per_page=page_size(request.GET.get("page_size")),
        **filters,
    )
    # The header names the patient: a read, audited once, by the list's rows when it has any.
    patient = _filter_patient(request, form, filters["patient"], audited=not page_obj.object_list)
    return render(
        request,
        "messaging/inbox.html",
        {
            "page_obj": page_obj,
            "filter_form": form,
            "is_filtered": bool(filters["search"] or filters["category"] or filters["patient"]),
            "tabs": _tabs(request.user, patient=filters["patient"]),
            "tab": filters["tab"],
            "patient": patient,
        },
    )


def _tabs(actor, *, patient: str) -> list[tuple]:
    """(key, label, unread threads as shown) of each tab, within the patient the list keeps to
    (then with "All"): past the count's bound "All open" says "99+" and the team inbox "at
    least" ("40+")."""
    unread = selectors.unread_tabs(actor=actor, patient=patient)
    shown = {"mine": unread["mine"], "team": unread["team"], "open": unread["open"]}
    if unread["more"]:
        shown["open"] = f"{selectors.UNREAD_TABS_READ - 1}+"
        shown["team"] = f"{unread['team']}+" if unread["team"] else ""
    return [
        (key, label, shown.get(key, 0)) for key, label in ([*TABS, ALL_TAB] if patient else TABS)
    ]


def _filter_patient(request, form, pid: str, *, audited: bool):
    """The patient whose threads the inbox shows, named on the page (the address holds only the
    id). An id outside the actor's reach or malformed says so; the list is empty anyway, as
    thread_list keeps to the reach."""
    if not pid:
        return None
    try:
        return patient_get(
            actor=request.user,
            id=pid,
            permission=None,
            audited=audited,
            detail=gettext_noop("messages"),
        )
    except Http404:
        form.add_error(None, _("Unknown patient."))
        return None


@require_http_methods(["GET", "POST"])
@staff_page()
def thread_new(request, pid):
    posting = request.method == "POST"
    patient = patient_get(
        actor=request.user, id=pid, permission="messaging.write", audited=not posting
    )
    form = ThreadStartForm(
        request.POST if posting else None, request.FILES if posting else None, actor=request.user
    )
    if posting and form.is_valid():
        fields = dict(form.cleaned_data)
        uploads = fields.pop("attachments", [])
        try:
            thread = services.thread_create_with_uploads(
                actor=request.user, patient=patient, uploads=uploads, **fields
            )
        except UPLOAD_ERRORS as exc:
            _form_error(form, exc)
        else:
            return redirect("messaging:thread", pk=thread.pk)
    if posting:
        form.files_not_kept()
    return render(request, "messaging/thread_new.html", {"patient": patient, "form": form})


def _thread_context(request, thread, reply_form=None) -> dict:
    rows = selectors.messages_of(actor=request.user, thread=thread)
    return {
        "thread": thread,
        "patient": thread.patient,
        "thread_messages": rows,
        "last_seq": rows[-1].seq if rows else 0,
        "reply_form": reply_form or ReplyForm(actor=request.user),
        "saved_replies": selectors.saved_replies(actor=request.user),
        "staff_choices": selectors.assignable_staff(thread=thread),
        "asides": asides_for(record="messaging.thread", actor=request.user, obj=thread),
    }


@require_GET
@staff_page()
def thread_detail(request, pk):
    thread = selectors.thread_get(actor=request.user, id=pk)
    services.thread_read(actor=request.user, thread=thread)
    return render(request, "messaging/thread.html", _thread_context(request, thread))


@require_GET
@staff_page()
def thread_poll(request, pk):
    """The messages after `?after=<seq>`, as HTML the page appends (polled every few seconds).
    Only a poll that brings new messages is a read (audited, and marks them read)."""
    thread = selectors.thread_get(actor=request.user, id=pk, audited=False)
    after = request.GET.get("after", "")
    rows = selectors.messages_of(
        actor=request.user,
        thread=thread,
        after_seq=int(after) if after.isascii() and after.isdigit() else 0,
    )
    if not rows:
        return HttpResponse(status=204)
    audit(
        actor=request.user,
        action=VIEW,
        obj=thread,
        patient_id=thread.patient_id,
        detail=gettext_noop("poll"),
    )
    services.thread_read(actor=request.user, thread=thread)
    return render(
        request, "messaging/_messages.html", {"thread_messages": rows, "last_seq": rows[-1].seq}
    )


@require_POST
@staff_page()
def thread_reply(request, pk):
    thread = selectors.thread_get(
        actor=request.user, id=pk, permission="messaging.write", audited=False
    )
    form = ReplyForm(request.POST, request.FILES, actor=request.user)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        uploads = fields.pop("attachments", [])
        try:
            services.message_post_with_uploads(
                actor=request.user, thread=thread, uploads=uploads, **fields
            )
        except UPLOAD_ERRORS as exc:
            _form_error(form, exc)
        else:
            return redirect("messaging:thread", pk=thread.pk)
    form.files_not_kept()
    return render(request, "messaging/thread.html", _thread_context(request, thread, form))


@require_POST
@staff_page()
def thread_manage(request, pk):
    thread = selectors.thread_get(
        actor=request.user, id=pk, permission="messaging.manage", audited=False
    )
    form = ManageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect("messaging:thread", pk=thread.pk)
    try:
        changed = services.thread_update(
            actor=request.user, thread=thread, **form.fields_for_service()
        )
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        if changed:
            messages.success(request, _("Thread updated."))
    return redirect("messaging:thread", pk=thread.pk)


@require_http_methods(["GET", "POST"])
@staff_page("messaging.settings.edit")
def clinic_settings(request):
    current = selectors.messaging_settings(actor=request.user)
    posting = request.method == "POST"
    which = request.POST.get("form") if posting else ""
    settings_form = SettingsForm(
        request.POST if which == "settings" else None,
        initial=SettingsForm.initial_for(current),
    )
    reply_form = SavedReplyForm(request.POST if which == "reply" else None)
    form = settings_form if which == "settings" else reply_form if which == "reply" else None
    status = 200
    if posting and form is None:  # a form no part of the page sends
        messages.error(request, _("Save the settings or add a saved reply with their buttons."))
        status = 400
    if form is settings_form and form.is_valid() and not form.changed_fields():
        messages.info(request, _("Nothing was changed."))
        return redirect("messaging:settings")
    if form is not None and form.is_valid():
        try:
            if form is settings_form:  # only what was changed: a colleague may have saved
                services.settings_update(actor=request.user, **form.changed_fields())
            else:
                services.saved_reply_create(actor=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("messaging:settings")
    return render(
        request,
        "messaging/settings.html",
        {
            "settings_form": settings_form,
            "reply_form": reply_form,
            "saved_replies": selectors.saved_replies(actor=request.user),
        },
        status=status,
    )


@require_POST
@staff_page()
def saved_reply_delete(request, pk):
    reply = selectors.saved_reply_get(actor=request.user, id=pk)
    services.saved_reply_delete(actor=request.user, reply=reply)
    messages.success(request, _("Saved reply deleted."))
    return redirect("messaging:settings")
