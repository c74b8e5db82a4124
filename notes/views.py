"""HTML pages of clinical notes: a patient's notes, the writer, the note, its history, print.

Each page loads its record with one selector call (404 outside the clinic, 403 for a role that
may not) and writes through one service; a refused write is shown as a message or next to the
field. GET pages that show a note audit one view; POSTs load it unaudited because the service
audits the write. The writer works without JavaScript (Save / Save and sign); with it,
static/notes/autosave.js saves the draft every few seconds through the API.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.contributions import asides_for
from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors
from core.lists import page_size
from notes import selectors, services
from notes.forms import (
    AddendumForm,
    CosignRequestForm,
    NoteFilterForm,
    NoteStartForm,
    NoteWriterForm,
)
from notes.models import NoteLocked
from patients.selectors import patient_get


@require_GET
@staff_page("notes.write")
def my_notes(request):
    """All of the home widget's two lists: my drafts, and notes awaiting my co-signature."""
    which = request.GET.get("list")
    which = which if which in selectors.MY_LISTS else selectors.MY_LISTS[0]
    page_obj = selectors.my_notes_page(
        actor=request.user, which=which, number=request.GET.get("page")
    )
    return render(request, "notes/my_notes.html", {"page_obj": page_obj, "which": which})


@require_GET
@staff_page()
def note_list(request, pid):
    form = NoteFilterForm(request.GET)
    page_obj, patient, _searched_from = selectors.note_page(  # one patient's: all searched
        actor=request.user,
        patient_id=pid,
        number=request.GET.get("page"),
        per_page=page_size(request.GET.get("page_size")),
        **form.note_filters(),
    )
    form.offer(
        types=selectors.note_types(actor=request.user),
        authors=selectors.note_authors(actor=request.user),
    )
    return render(
        request,
        "notes/note_list.html",
        {
            "patient": patient,
            "page_obj": page_obj,
            "filter_form": form,
            "is_filtered": form.is_filtered(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def note_new(request, pid):
    posting = request.method == "POST"
    patient = patient_get(
        actor=request.user,
        id=pid,
        permission="notes.write",
        audited=not posting,
        detail=gettext_noop("notes"),
    )
    form = NoteStartForm(
        request.POST if posting else None,
        templates=selectors.template_list(actor=request.user, active_only=True),
        types=selectors.note_types(actor=request.user, active_only=True),
    )
    if posting and form.is_valid():
        note_type, template = form.choice()
        try:
            note = services.note_create(
                actor=request.user,
                patient=patient,
                note_type=note_type,
                template=template,
                title=form.cleaned_data["title"],
                shared_with_patient=form.cleaned_data["shared_with_patient"],
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("notes:edit", pk=note.pk)
    return render(request, "notes/note_new.html", {"patient": patient, "form": form})


def _note_page_context(request, note) -> dict:
    user = request.user
    is_author = note.author_id == user.pk
    return {
        "note": note,
        "patient": note.patient,
        "addenda": selectors.addenda_of(note),
        "is_author": is_author,
        "may_share": services.may_share(user, note),
        "cosign_form": CosignRequestForm(candidates=selectors.cosigner_candidates(note=note))
        if note.is_signed and is_author and note.cosigned_at is None
        else None,
        "addendum_form": AddendumForm() if note.is_signed else None,
        "appointment_url": selectors.appointment_url(note),
        "ai_sources": selectors.ai_sources(note),
    }


def _render_note_page(request, note, **extra):
    """The note's page, with the boxes other apps add beside it (core.contributions.Aside)."""
    context = {
        **_note_page_context(request, note),
        "asides": asides_for(record="notes.note", actor=request.user, obj=note),
        **extra,
    }
    return render(request, "notes/note_detail.html", context)


@require_GET
@staff_page()
def note_detail(request, pk):
    note = selectors.note_get(actor=request.user, id=pk)
    return _render_note_page(request, note)


@require_GET
@staff_page()
def note_print(request, pk):
    note = selectors.note_get(actor=request.user, id=pk, detail=gettext_noop("print"))
    return render(request, "notes/note_print.html", _note_page_context(request, note))


@require_http_methods(["GET", "POST"])
@staff_page()
def note_edit(request, pk):
    posting = request.method == "POST"
    note = selectors.note_get(
        actor=request.user, id=pk, permission="notes.write", audited=not posting
    )
    if not posting and (note.is_signed or note.author_id != request.user.pk):
        messages.info(
            request,
            _("This note is signed: add an addendum instead.")
            if note.is_signed
            else _("Only the author of a draft edits it."),
        )
        return redirect("notes:detail", pk=note.pk)
    form = NoteWriterForm(request.POST if posting else None, note=note)
    saved_elsewhere = False
    if posting and form.is_valid():
        try:
            note = services.note_update(
                actor=request.user,
                note=note,
                version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                sections=form.sections(),
            )
        except NoteLocked as exc:
            flash_errors(request, exc)
            return redirect("notes:detail", pk=note.pk)
        except SERVICE_ERRORS as exc:  # bad input, or a newer version saved elsewhere
            apply_service_errors(form, exc)
            saved_elsewhere = getattr(exc, "code", "") == "version_conflict"
        else:
            if request.POST.get("action") != "sign":
                messages.success(request, _("Draft saved."))
                return redirect("notes:edit", pk=note.pk)
            try:
                services.note_sign(actor=request.user, note=note)
            except SERVICE_ERRORS as exc:  # e.g. empty: the draft is saved, say why not signed
                flash_errors(request, exc)
                return redirect("notes:edit", pk=note.pk)
            messages.success(request, _("The note is signed."))
            return redirect("notes:detail", pk=note.pk)
    # A refused save shows the text it carried (and the version it started from): the page
    # must not pass it off as the draft, and a reload would post it again (note_edit.html).
    context = {
        "note": note,
        "patient": note.patient,
        "form": form,
        "saved_elsewhere": saved_elsewhere,
        "ai_sources": selectors.ai_sources(note),
    }
    return render(request, "notes/note_edit.html", context)


def _action(request, pk, permission: str, act) -> object:
    """Load the note for a write (one call), run `act(note)`, show refusals as messages."""
    note = selectors.note_get(actor=request.user, id=pk, permission=permission, audited=False)
    try:
        message = act(note)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, message)
    return redirect("notes:detail", pk=note.pk)


@require_POST
@staff_page()
def note_sign(request, pk):
    def act(note):
        services.note_sign(actor=request.user, note=note)
        return _("The note is signed.")

    return _action(request, pk, "notes.write", act)


@require_POST
@staff_page()
def note_request_cosign(request, pk):
    def act(note):
        services.note_request_cosign(
            actor=request.user, note=note, cosigner_id=request.POST.get("cosigner", "")
        )
        return _("Co-signature requested.")

    return _action(request, pk, "notes.write", act)


@require_POST
@staff_page()
def note_cosign(request, pk):
    def act(note):
        services.note_cosign(actor=request.user, note=note)
        return _("You co-signed the note.")

    return _action(request, pk, "notes.cosign", act)


@require_POST
@staff_page()
def note_share(request, pk):
    def act(note):
        shared = request.POST.get("shared") == "1"
        services.note_share(actor=request.user, note=note, shared=shared)
        return _("Shared with the patient.") if shared else _("No longer shared with the patient.")

    return _action(request, pk, "notes.write", act)


@require_POST
@staff_page()
def note_addendum(request, pk):
    """Add an addendum; a refused one (empty, too long, a NUL character) comes back in its box
    with the reason beside it, so nothing typed is lost."""
    note = selectors.note_get(actor=request.user, id=pk, permission="notes.write", audited=False)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(actor=request.user, note=note, text=form.cleaned_data["text"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except SERVICE_ERRORS as exc:  # e.g. a draft: no addendum box to show it in
            flash_errors(request, exc)
            return redirect("notes:detail", pk=note.pk)
        else:
            messages.success(request, _("Addendum added."))
            return redirect("notes:detail", pk=note.pk)
    return _render_note_page(request, note, addendum_form=form)


@require_GET
@staff_page()
def note_history(request, pk):
    note, revisions = selectors.note_history(actor=request.user, id=pk)
    return render(
        request,
        "notes/note_history.html",
        {
            "note": note,
            "patient": note.patient,
            "revisions": selectors.revisions_with_changes(revisions),
            "addenda": selectors.addenda_of(note),
            "appointment_url": selectors.appointment_url(note),
        },
    )
