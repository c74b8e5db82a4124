"""HTML pages of the files app: a patient's files (with the upload form), the clinic-wide
Documents list, a file's preview page, edit / delete / restore, downloads, categories, and the
upload and "All files" page of the Files box on a note's page (files.contributions.note_files).

Each view makes one call to load what it shows or changes (files.selectors, or
patients.selectors for the patient a page is about) and translates its errors; writes go
through files.services. The upload form's script (static/files/upload.js) sends each file to
the API endpoint with a progress bar; without script the form posts here, several files at once.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.contributions import attachment_targets
from core.decorators import staff_page
from core.errors import Conflict, Locked, ServiceError
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.lists import filtered_page, page_size
from core.roles import can
from files import responses, selectors, services
from files.forms import CategoryForm, FileEditForm, FileFilterForm, UploadForm
from patients.selectors import patient_get


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if day else None


def _day_end(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max)) if day else None


def _statuses(user) -> list[str]:
    statuses = ["active"]
    if can(user, "files.restore"):
        statuses.append("deleted")
    if can(user, "files.quarantine"):
        statuses.append("quarantined")
    return statuses


def _unavailable(request, exc):
    """A file that exists but cannot be served yet (423) or ever (409), explained."""
    return render(request, "files/unavailable.html", {"message": exc.message}, status=exc.status)


# --- lists ---------------------------------------------------------------------------------------
def _record_files(request, categories, **scope):
    """The filter form and the page of one record's files (`patient=` or `target=`, its access
    call made): the patient's files page and a note's share them."""
    filter_form = FileFilterForm(request.GET, categories=categories)
    filters = filter_form.filters()
    page_obj = selectors.file_page(
        actor=request.user,
        number=request.GET.get("page"),
        per_page=page_size(request.GET.get("page_size")),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        category=filters["category"],
        search=filters["q"],
        uploaded_from=_day_start(filters["uploaded_from"]),
        uploaded_to=_day_end(filters["uploaded_to"]),
        **scope,
    )
    return filter_form, page_obj


@require_GET
@staff_page()
def patient_files(request, pid: str):
    patient = patient_get(actor=request.user, id=pid, permission="files.view", audited=False)
    categories = selectors.category_list(actor=request.user)
    filter_form, page_obj = _record_files(request, categories, patient=patient)
    upload_form = UploadForm(categories=categories) if can(request.user, "files.upload") else None
    return render(
        request,
        "files/patient_files.html",
        {
            "patient": patient,
            "page_obj": page_obj,
            "filter_form": filter_form,
            "is_filtered": filter_form.is_filtered(),
            "upload_form": upload_form,
            "max_mb": settings.FILE_MAX_MB,
            "category_labels": selectors.category_labels(clinic_id=patient.clinic_id),
        },
    )


@require_GET
@staff_page()
def note_files(request, note_id: str):
    """All of a note's files (its page's Files box shows the newest few), through the notes
    app's read call for them, as the box and the API: 404 / 403 as reading the note."""
    declared = attachment_targets.get("note")
    if declared is None or declared.url is None:  # no notes app: no note to list
        raise Http404(_("Not found."))
    target = services.resolve_target(
        actor=request.user, target_type="note", target_id=note_id, reading=True
    )
    filter_form, page_obj = _record_files(
        request, selectors.category_list(actor=request.user), target=target
    )
    return render(
        request,
        "files/record_files.html",
        {
            "record": target.record,
            "record_label": declared.label,
            "record_url": declared.url(target.id),
            "patient": target.record.patient,  # base.html's patient header
            "page_obj": page_obj,
            "filter_form": filter_form,
            "is_filtered": filter_form.is_filtered(),
            "category_labels": selectors.category_labels(clinic_id=target.clinic_id),
        },
    )


@require_GET
@staff_page("files.view")
def documents(request):
    categories = selectors.category_list(actor=request.user)
    statuses = _statuses(request.user)
    filter_form = FileFilterForm(request.GET, categories=categories, statuses=statuses)
    filters = filter_form.filters()
    page_obj = filtered_page(
        filter_form,
        selectors.file_page,
        actor=request.user,
        number=request.GET.get("page"),
        per_page=page_size(request.GET.get("page_size")),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        category=filters["category"],
        search=filters["q"],
        patient_search=filters["patient"],
        uploaded_from=_day_start(filters["uploaded_from"]),
        uploaded_to=_day_end(filters["uploaded_to"]),
        status=filters["status"] if filters["status"] in statuses else "active",
    )
    return render(
        request,
        "files/documents.html",
        {
            "page_obj": page_obj,
            "filter_form": filter_form,
            "filters": filters,
            "is_filtered": filter_form.is_filtered(),
            "category_labels": selectors.category_labels(clinic_id=request.user.clinic_id),
        },
    )


# --- upload --------------------------------------------------------------------------------------
def _upload_all(request, form, *, target_type: str, target_id: str) -> int:
    """Each file of the form through the upload service; a message per file. Returns how many
    were stored."""
    stored_count = 0
    for upload, title in zip(form.cleaned_data["files"], form.titles(), strict=True):
        try:
            stored = services.file_upload(
                actor=request.user,
                upload=upload,
                category=form.cleaned_data["category"],
                title=title,
                shared_with_patient=form.cleaned_data.get("shared_with_patient", False),
                target_type=target_type,
                target_id=target_id,
            )
        except SERVICE_ERRORS as exc:
            texts = [exc.message] if isinstance(exc, ServiceError) else exc.messages
            for text in texts:
                messages.error(request, f"{upload.name}: {text}")
        else:
            stored_count += 1
            messages.success(request, _("“%(title)s” was uploaded.") % {"title": stored.title})
    return stored_count


def _posted_upload(request, back: str, *, target_type: str, target_id: str):
    """Without script, an upload form posts its files here (with script, to the API): each one
    through the upload service, a message per file or refusal, then back to the page. No access
    to the record: 404; a role, category or record that refuses the upload: 403 (before the
    size or the form is looked at)."""
    services.upload_target(actor=request.user, target_type=target_type, target_id=target_id)
    try:
        services.check_request_size(request.META.get("CONTENT_LENGTH"), files=UploadForm.MAX_FILES)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
        return redirect(back)
    form = UploadForm(
        request.POST, request.FILES, categories=selectors.category_list(actor=request.user)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    _upload_all(request, form, target_type=target_type, target_id=target_id)
    return redirect(back)


@require_POST
@staff_page()
def patient_upload(request, pid: str):
    back = reverse("files:patient_files", kwargs={"pid": pid})
    return _posted_upload(request, back, target_type="patient", target_id=pid)


@require_POST
@staff_page()
def note_upload(request, note_id: str):
    """The note page's Files box posts here; back to the note (the notes app names its page)."""
    target = attachment_targets.get("note")
    if target is None or target.url is None:  # no notes app: no note to attach to
        raise Http404(_("Not found."))
    return _posted_upload(request, target.url(note_id), target_type="note", target_id=note_id)


@require_http_methods(["GET", "POST"])
@staff_page("files.upload")
def clinic_upload(request):
    """A clinic-level document (no patient), e.g. a consent template."""
    categories = selectors.category_list(actor=request.user)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, categories=categories, patient_level=False)
        if form.is_valid() and _upload_all(request, form, target_type="", target_id=""):
            return redirect("files:documents")
    else:
        form = UploadForm(categories=categories, patient_level=False)
    return render(
        request, "files/clinic_upload.html", {"form": form, "max_mb": settings.FILE_MAX_MB}
    )


# --- one file ------------------------------------------------------------------------------------
def _attached_to(stored) -> dict | None:
    """The label and staff page of the record a file is attached to, where its app has one (a
    note); None for a patient's or the clinic's own files, whose pages the breadcrumb names."""
    target = attachment_targets.get(stored.target_type)
    if target is None or target.url is None:
        return None
    return {"label": target.label, "url": target.url(stored.target_id)}


@require_GET
@staff_page()
def file_detail(request, pk: str):
    stored = selectors.file_get(
        actor=request.user, id=pk, include_deleted=can(request.user, "files.restore")
    )
    # Offered only where they would be allowed: a draft note's files are its author's.
    changeable = not stored.is_deleted and services.may_change_target(request.user, stored)
    return render(
        request,
        "files/file_detail.html",
        {
            "file": stored,
            "patient": stored.patient,  # base.html's patient header, as on every patient page
            "attached_to": _attached_to(stored),
            "duplicates": selectors.duplicates_of(actor=request.user, stored=stored),
            "may_edit": can(request.user, "files.update") and changeable,
            "may_delete": services.may_delete(request.user, stored) and changeable,
            "category_label": selectors.category_labels(clinic_id=stored.clinic_id).get(
                stored.category, stored.category
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def file_edit(request, pk: str):
    stored = selectors.file_get(
        actor=request.user, id=pk, permission="files.update", audited=request.method == "GET"
    )
    options = {
        "categories": selectors.category_list(actor=request.user),
        "patient_level": stored.patient_id is not None,
        "initial": FileEditForm.initial_for(stored),
    }
    if request.method == "POST":
        form = FileEditForm(request.POST, **options)
        if form.is_valid():
            try:
                services.file_update(actor=request.user, stored=stored, **form.changed_fields())
            except SERVICE_ERRORS as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The file's details were saved."))
                return redirect("files:detail", pk=stored.pk)
    else:
        form = FileEditForm(**options)
    return render(
        request,
        "files/file_edit.html",
        {"file": stored, "patient": stored.patient, "form": form},
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def file_delete(request, pk: str):
    stored = selectors.file_get(
        actor=request.user, id=pk, permission="files.delete", audited=request.method == "GET"
    )
    if request.method == "POST":
        try:
            services.file_delete(actor=request.user, stored=stored)
        except SERVICE_ERRORS as exc:
            flash_errors(request, exc)
            return redirect("files:detail", pk=stored.pk)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": stored.title})
        if attached_to := _attached_to(stored):  # back to the note it was on
            return redirect(attached_to["url"])
        if stored.patient_id:
            return redirect("files:patient_files", pid=stored.patient_id)
        return redirect("files:documents")
    services.ensure_may_delete(request.user, stored)
    return render(request, "files/file_delete.html", {"file": stored, "patient": stored.patient})


@require_POST
@staff_page()
def file_restore(request, pk: str):
    stored = selectors.file_get(
        actor=request.user, id=pk, permission="files.restore", audited=False, include_deleted=True
    )
    services.file_restore(actor=request.user, stored=stored)
    messages.success(request, _("“%(title)s” was restored.") % {"title": stored.title})
    return redirect("files:detail", pk=stored.pk)


@require_GET
@staff_page()
def file_download(request, pk: str):
    try:
        stored = selectors.file_for_download(
            actor=request.user, id=pk, ranged=bool(request.headers.get("Range"))
        )
    except (Locked, Conflict) as exc:
        return _unavailable(request, exc)
    return responses.file_response(request, stored, inline=request.GET.get("inline") == "1")


@require_GET
@staff_page()
def file_preview(request, pk: str):
    try:
        stored = selectors.file_for_preview(actor=request.user, id=pk)
    except (Locked, Conflict) as exc:
        return _unavailable(request, exc)
    return responses.preview_response(stored)


# --- categories ----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@staff_page("files.categories.manage")
def categories(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(actor=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Category “%(label)s” added.") % {"label": category.label})
            return redirect("files:categories")
    return render(
        request,
        "files/categories.html",
        {"form": form, "categories": selectors.category_list(actor=request.user)},
    )
