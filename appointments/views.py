"""Staff pages of the appointments app: parse input, call one selector or service, render.

Pages that load a record get it from `selectors.appointment_get(..., permission=...)` (404
outside the clinic, then 403); pages that load none declare their permission with
`@staff_page(...)`. The calendar feed (`/calendar/<token>.ics`) needs no login: its secret
token is the key.
"""

import datetime
import functools
from typing import NamedTuple
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import ics, selectors, services
from appointments.forms import (
    BookForm,
    CancelForm,
    ExceptionForm,
    RescheduleForm,
    RuleForm,
    SettingsForm,
    SlotSearchForm,
    TypeForm,
)
from appointments.slots import clock_format, clock_span, local_instant
from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, apply_service_errors, flash_errors, in_calendar
from core.lists import page_of
from core.roles import Role, can
from patients.selectors import patient_get

DAY = datetime.timedelta(days=1)
ACTIONS = {"confirm", "check_in", "complete", "no_show"}


def _clinic_day(request, tz) -> datetime.date:
    """The day asked for, or today when it is malformed or outside the calendar."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = None
    return day if day and in_calendar(day) else timezone.now().astimezone(tz).date()


def _names(providers) -> dict[str, str]:
    return {p.pk: p.name for p in providers}


# --- calendars -----------------------------------------------------------------------------
DAY_COLUMNS = 10  # providers side by side in the whole clinic's day


def _with_times(rows, tz) -> list:
    """Each row's "08:00–08:20" in the clinic's time, worked out here: two `time` filters per
    appointment were a quarter of a busy provider's week (470 appointments, 118 ms)."""
    clock = clock_format()
    for row in rows:
        row.times = clock_span(row.start, row.end, tz, clock)
    return rows


def _grid(providers, days, counts) -> list[dict]:
    """The clinic's week, a row per provider of (the day for a link, "3 appointments" or "" for
    none), worked out here: 350 cells of date filters and plural tags took half the page. Each
    number is worded once."""
    labels = {
        n: ngettext("%(n)s appointment", "%(n)s appointments", n) % {"n": n}
        for n in set(counts.values())
    }
    dates = [day.isoformat() for day in days]
    return [
        {
            "provider": provider,
            "cells": [
                (date, labels.get(counts.get((provider.pk, day)), ""))
                for day, date in zip(days, dates, strict=True)
            ],
        }
        for provider in providers
    ]


class FormerProvider(NamedTuple):
    """Someone who holds appointments but no longer is a provider, as the calendar names them."""

    pk: str
    name: str


def _former(users) -> list[FormerProvider]:
    return [
        FormerProvider(u.pk, _("%(name)s (no longer a provider)") % {"name": u.name}) for u in users
    ]


# A calendar's read, as its audit row words it (translated where it is shown).
CALENDAR_READS = {"day": gettext_noop("calendar day"), "week": gettext_noop("calendar week")}


@require_GET
@staff_page("appointments.view")
def calendar_page(request):
    """Day or week, one provider or the whole clinic; colour by type with the type's name."""
    clinic = request.user.clinic
    tz = selectors.clinic_tz(clinic)
    view = "day" if request.GET.get("view") == "day" else "week"
    day = _clinic_day(request, tz)
    first = day if view == "day" else day - datetime.timedelta(days=day.weekday())
    days = [first + DAY * i for i in range(1 if view == "day" else 7)]
    providers = list(selectors.provider_list(clinic_id=clinic.pk))
    provider = request.GET.get("provider", "")
    if provider and provider not in _names(providers):
        # A former provider's own calendar (the whole clinic's rows link to it), else everyone.
        former = _former(selectors.former_providers(clinic_id=clinic.pk, ids=[provider]))
        providers += former
        provider = provider if former else ""
    start = local_instant(days[0], datetime.time(), tz)
    end = local_instant(days[-1] + DAY, datetime.time(), tz)
    grid, columns, count, columns_page = [], [], 0, None
    if not provider:
        # The whole clinic: anyone holding appointments in these days is shown, former
        # providers too (marked), found in the counts the page reads anyway.
        counts = selectors.calendar_counts(actor=request.user, days=days, tz=tz)
        count = sum(counts.values())
        held = {provider_id for provider_id, _day in counts}.difference(_names(providers))
        if held:
            providers += _former(selectors.former_providers(clinic_id=clinic.pk, ids=held))
    if not provider and view == "week":
        # The whole clinic's week: providers × days, how many each (open a cell for its day).
        grid = _grid(providers, days, counts)
    elif not provider:
        # The whole clinic's day: a column per provider, DAY_COLUMNS at a time (50 providers'
        # 700 appointments side by side were 220 KB that no screen shows).
        columns_page = page_of(providers, number=request.GET.get("page"), per_page=DAY_COLUMNS)
        rows = selectors.calendar(
            actor=request.user,
            start=start,
            end=end,
            providers=[p.pk for p in columns_page.object_list],
            detail=CALENDAR_READS["day"],
        )
        by_provider = {p.pk: [] for p in columns_page.object_list}
        for row in rows:
            by_provider[row.provider_id].append(row)
        columns = [{"title": p.name, "rows": by_provider[p.pk]} for p in columns_page.object_list]
    else:
        rows = selectors.calendar(
            actor=request.user,
            start=start,
            end=end,
            providers=[provider],
            detail=CALENDAR_READS[view],
        )
        count = len(rows)
        by_day = {d: [] for d in days}
        for row in rows:
            by_day.setdefault(row.start.astimezone(tz).date(), []).append(row)
        columns = [{"title": d, "day": d, "rows": by_day[d]} for d in days]
    step = DAY if view == "day" else DAY * 7
    return render(
        request,
        "appointments/calendar.html",
        {
            "view": view,
            "days": days,
            "columns": columns,
            "grid": grid,
            "providers": providers,
            "provider": provider,
            "previous": first - step,
            "next": first + step,
            "today": timezone.now().astimezone(tz).date(),
            "tz": tz,
            "count": count,
            "page_obj": columns_page,
            "detail_prefix": reverse("appointments:calendar"),
        },
    )


@require_GET
@staff_page("appointments.view")
def today(request):
    """The front desk's list of today: check-in, no-show and complete from here. Providers see
    their own day unless they ask for the whole clinic (`?all=1`)."""
    user = request.user
    tz = selectors.clinic_tz(user.clinic)
    day = timezone.now().astimezone(tz).date()
    mine = user.role in selectors.PROVIDER_ROLES and not request.GET.get("all")
    page_obj = selectors.today_page(
        actor=user,
        start=local_instant(day, datetime.time(), tz),
        end=local_instant(day + DAY, datetime.time(), tz),
        provider=user.pk if mine else "",
        number=request.GET.get("page"),
    )
    _with_times(page_obj.object_list, tz)
    return render(
        request,
        "appointments/today.html",
        {
            "page_obj": page_obj,
            "day": day,
            "tz": tz,
            "mine": mine,
            "now": timezone.now(),
            "here": request.get_full_path(),  # where a check-in comes back to
        },
    )


@require_GET
@staff_page("appointments.view")
def type_styles(request):
    """The colours of the clinic's types as CSS classes (no inline styles: CSP)."""
    rules = [
        f".hp-type-{t.pk}{{border-left:.4rem solid {t.colour};}}"
        for t in selectors.type_list(actor=request.user)
    ]
    response = HttpResponse("\n".join(rules), content_type="text/css")
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- booking and moving --------------------------------------------------------------------
def _slot_search(request, *, clinic, patient_id: str, fixed_type=None, provider: str = ""):
    """The slot search of the booking and moving pages: (form, free slots, the slots to offer,
    providers, and when the day asked for has none the next day that has one with its search;
    `selectors.slot_offer`). Opened without a search (the patient page's "Book an appointment", a
    programme's "Book a visit") it searches tomorrow for the first type and `provider` (default
    anyone), and the slot form posts back with that search (`search.data`)."""
    tz = selectors.clinic_tz(clinic)
    types = (
        [fixed_type]
        if fixed_type
        else list(selectors.type_list(actor=request.user, active_only=True))
    )
    providers = list(selectors.provider_list(clinic_id=clinic.pk))
    data = request.GET.copy()
    if types and not any(name in data for name in SlotSearchForm.base_fields):
        tomorrow = timezone.now().astimezone(tz).date() + DAY
        # A provider who no longer is one is not offered: anyone, then.
        provider = provider if provider in _names(providers) else ""
        data.update({"type": types[0].pk, "provider": provider, "date": tomorrow.isoformat()})
    search = SlotSearchForm(data if types else None, types=types, providers=providers)
    found, offered, later = [], [], None
    if search.is_bound and search.is_valid():
        try:
            found, offered, next_day = selectors.slot_offer(
                actor=request.user,
                clinic=clinic,
                type_id=search.cleaned_data["type"],
                provider=search.cleaned_data["provider"],
                day=search.cleaned_data["date"],
                providers=providers,
                patient_id=patient_id,
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(search, exc)
        else:
            if next_day:
                query = search.data.copy()
                query["date"] = next_day.isoformat()
                later = {"day": next_day, "query": query.urlencode()}
    return search, found, offered, providers, later


@require_http_methods(["GET", "POST"])
@staff_page()
def book(request):
    """Book for a patient: pick a type, a provider (or anyone) and a day, then a free slot."""
    patient = patient_get(
        actor=request.user,
        id=request.GET.get("patient", ""),
        permission="appointments.book",
        detail=gettext_noop("booking form"),
    )
    clinic = patient.clinic
    tz = selectors.clinic_tz(clinic)
    search, found, offered, providers, later = _slot_search(
        request, clinic=clinic, patient_id=patient.pk
    )
    form = BookForm(
        request.POST or None,
        slots=found,
        offered=offered,
        tz=tz,
        names=_names(providers),
        searched=search.searched() if found else "",
    )
    if request.method == "POST" and search.is_valid() and form.is_valid():
        provider_id, start = form.fields["slot"].parsed(form.cleaned_data["slot"])
        try:
            rows = services.appointment_book(
                actor=request.user,
                patient=patient,
                provider_id=provider_id,
                type_id=search.cleaned_data["type"],
                start=start,
                reason=form.cleaned_data["reason"],
                staff_notes=form.cleaned_data["staff_notes"],
                recurrence=form.recurrence(),
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc, {"start": "slot", "recurrence": "repeat"})
            _add_clashes(form, exc, tz)
        else:
            messages.success(
                request,
                _("Booked %(n)s appointments.") % {"n": len(rows)}
                if len(rows) > 1
                else _("The appointment is booked."),
            )
            return redirect("appointments:detail", pk=rows[0].pk)
    return render(
        request,
        "appointments/book.html",
        {
            "patient": patient,
            "keep": [("patient", patient.pk)],
            "search": search,
            "form": form,
            "slots": found,
            "later": later,
            "tz": tz,
        },
    )


def _add_clashes(form, exc, tz) -> None:
    for clash in getattr(exc, "extra", {}).get("clashes", []):
        start = datetime.datetime.fromisoformat(clash["start"]).astimezone(tz)
        form.add_error(None, _("Taken: %(when)s") % {"when": date_format(start, "D j M Y H:i")})


@require_http_methods(["GET", "POST"])
@staff_page()
def reschedule(request, pk: str):
    appointment = selectors.appointment_get(
        actor=request.user,
        id=pk,
        permission="appointments.reschedule",
        audited=request.method == "GET",
        detail=gettext_noop("reschedule form"),
    )
    refusal = services.reschedule_refusal(appointment)
    if refusal is not None:  # cancelled meanwhile, or opened from an old link: no slots to pick
        flash_errors(request, refusal)
        return redirect("appointments:detail", pk=appointment.pk)
    tz = selectors.clinic_tz(appointment.clinic)
    search, found, offered, providers, later = _slot_search(
        request,
        clinic=appointment.clinic,
        patient_id=appointment.patient_id,
        fixed_type=appointment.type,
        provider=appointment.provider_id,  # a move usually keeps the provider
    )
    form = RescheduleForm(
        request.POST or None,
        slots=found,
        offered=offered,
        tz=tz,
        names=_names(providers),
        series=appointment.series_id is not None,
        searched=search.searched() if found else "",
    )
    searched = search.is_bound and search.is_valid()
    # Deactivated or no longer a clinician or nurse: said above the search (a note, not an
    # error of the provider the search offers instead), with anyone's free slots.
    chosen = search.data.get("provider", "") if search.is_bound else ""
    former = (
        services.former_provider_note(appointment)
        if appointment.provider_id not in _names(providers)
        and chosen in ("", appointment.provider_id)
        else ""
    )
    if request.method == "POST" and form.is_valid():
        provider_id, start = form.fields["slot"].parsed(form.cleaned_data["slot"])
        try:
            services.appointment_reschedule(
                actor=request.user,
                appointment=appointment,
                start=start,
                provider_id=provider_id,
                scope=form.cleaned_data.get("scope", "this"),
                note=form.cleaned_data["note"],
            )
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc, {"start": "slot"})
            _add_clashes(form, exc, tz)
        else:
            messages.success(request, _("The appointment has been moved."))
            return redirect("appointments:detail", pk=appointment.pk)
    return render(
        request,
        "appointments/reschedule.html",
        {
            "appointment": appointment,
            "patient": appointment.patient,  # base.html's patient header
            "search": search,
            "form": form,
            "slots": found,
            "searched": searched,
            "former_provider": former,
            "later": later,
            "tz": tz,
        },
    )


@require_GET
@staff_page()
def detail(request, pk: str):
    appointment = selectors.appointment_get(actor=request.user, id=pk)
    changes = list(appointment.changes.select_related("actor", "previous_provider"))
    return render(
        request,
        "appointments/detail.html",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "changes": changes,
            "tz": selectors.clinic_tz(appointment.clinic),
            "cancel_form": CancelForm(series=appointment.series_id is not None),
            "started": appointment.start <= timezone.now(),
            "day_has_come": selectors.day_has_come(appointment),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def cancel(request, pk: str):
    appointment = selectors.appointment_get(
        actor=request.user,
        id=pk,
        permission="appointments.cancel",
        audited=request.method == "GET",
        detail=gettext_noop("cancel form"),
    )
    form = CancelForm(request.POST or None, series=appointment.series_id is not None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.appointment_cancel(
                actor=request.user,
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                scope=form.cleaned_data.get("scope", "this"),
            )
        except SERVICE_ERRORS as exc:
            flash_errors(request, exc)
        else:
            n = len(cancelled)
            messages.success(
                request,
                ngettext("Cancelled %(n)s appointment.", "Cancelled %(n)s appointments.", n)
                % {"n": n},
            )
        return redirect("appointments:detail", pk=appointment.pk)
    return render(
        request,
        "appointments/cancel.html",
        {"appointment": appointment, "patient": appointment.patient, "form": form},
    )


@require_POST
@staff_page()
def transition(request, pk: str, action: str):
    if action not in ACTIONS:
        raise Http404(_("Not found."))
    appointment = selectors.appointment_get(
        actor=request.user, id=pk, permission=services.TRANSITIONS[action][3], audited=False
    )
    try:
        services.appointment_transition(actor=request.user, appointment=appointment, action=action)
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("%(patient)s: %(status)s.")
            % {
                "patient": appointment.patient.full_name,
                "status": appointment.get_status_display(),
            },
        )
    back = request.POST.get("next", "")  # back to the list it came from, at its page
    lists = (reverse("appointments:today"), reverse("appointments:calendar"))
    if (
        url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        and urlsplit(back).path in lists
    ):
        return redirect(back)
    return redirect("appointments:detail", pk=appointment.pk)


# --- availability --------------------------------------------------------------------------
def _hours_page(provider_id) -> str:
    return f"{reverse('appointments:availability')}?provider={provider_id}"


@require_http_methods(["GET", "POST"])
@staff_page("appointments.availability.view")
def availability(request):
    """A provider's weekly hours and exceptions; providers edit their own, admins anyone's."""
    user = request.user
    providers = list(selectors.provider_list(clinic_id=user.clinic_id))
    names = _names(providers)
    default = user.pk if user.pk in names else (providers[0].pk if providers else "")
    provider = request.GET.get("provider") or default
    if provider not in names:
        if request.method == "POST":  # a page left open for someone no longer a provider here:
            raise Http404  # their hours must not land on whoever posts it
        provider = default
    every_type = list(selectors.type_list(actor=user))
    types = [t for t in every_type if t.is_active]  # what a new rule may offer
    may_edit = can(user, "appointments.availability.edit") and (
        user.role == Role.ADMIN or provider == user.pk
    )
    rule_form = RuleForm(
        request.POST if "add_rule" in request.POST else None, types=types, prefix="rule"
    )
    exception_form = ExceptionForm(
        request.POST if "add_exception" in request.POST else None, prefix="exc"
    )
    if request.method == "POST":
        services.hours_edit_check(actor=user, provider_id=provider)
        form = rule_form if "add_rule" in request.POST else exception_form
        if form.is_valid():
            try:
                if form is rule_form:
                    services.rule_save(actor=user, provider_id=provider, **form.cleaned_data)
                else:
                    services.exception_save(actor=user, provider_id=provider, **form.cleaned_data)
            except SERVICE_ERRORS as exc:
                apply_service_errors(form, exc, {"types": "type_ids"})
            else:
                messages.success(request, _("The hours have been saved."))
                return redirect(_hours_page(provider))
    tz = selectors.clinic_tz(user.clinic)
    return render(
        request,
        "appointments/availability.html",
        {
            "providers": providers,
            "provider": provider,
            "provider_name": names.get(provider, ""),
            "rules": list(selectors.rule_list(actor=user, provider=provider)) if provider else [],
            **selectors.coming_exceptions(actor=user, provider=provider, tz=tz),
            # A rule may still name a type since deactivated: it offers no slots of it, and says so.
            "type_names": {
                t.pk: t.name if t.is_active else _("%(name)s (inactive)") % {"name": t.name}
                for t in every_type
            },
            "rule_form": rule_form,
            "exception_form": exception_form,
            "may_edit": may_edit,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_page()
def rule_delete(request, pk: str):
    rule = selectors.rule_get(
        actor=request.user, id=pk, permission="appointments.availability.edit"
    )
    remove = functools.partial(services.rule_delete, rule=rule)
    return _remove_hours(request, rule, "rule", remove, _("The weekly hours have been removed."))


@require_http_methods(["GET", "POST"])
@staff_page()
def exception_delete(request, pk: str):
    found = selectors.exception_get(
        actor=request.user, id=pk, permission="appointments.availability.edit"
    )
    remove = functools.partial(services.exception_delete, exception=found)
    removed = _("The time off or extra hours have been removed.")
    return _remove_hours(request, found, "exception", remove, removed)


def _remove_hours(request, hours, name: str, remove, removed: str):
    """GET asks to confirm (403 for hours the actor may not edit); POST removes `hours` (weekly
    hours or an exception, `name` in the page's context) and goes back to the hours page."""
    back = _hours_page(hours.provider_id)
    if request.method == "POST":
        remove(actor=request.user)
        messages.success(request, removed)
        return redirect(back)
    services.may_edit_hours_of(request.user, hours.provider)
    return render(request, "appointments/hours_remove.html", {name: hours, "back": back})


# --- types, policy, feeds ------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@staff_page("appointments.types.edit")
def type_list(request):
    form = TypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.type_save(actor=request.user, **form.all_fields())
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The type has been added."))
            return redirect("appointments:types")
    types = selectors.type_list(actor=request.user)
    return render(request, "appointments/types.html", {"types": types, "form": form})


@require_http_methods(["GET", "POST"])
@staff_page("appointments.types.edit")
def type_edit(request, pk: str):
    found = selectors.type_get(actor=request.user, id=pk, permission="appointments.types.edit")
    form = TypeForm(request.POST or None, initial=TypeForm.initial_for(found))
    if request.method == "POST" and form.is_valid():
        try:
            services.type_save(actor=request.user, appointment_type=found, **form.changed_fields())
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The type has been saved."))
            return redirect("appointments:types")
    return render(request, "appointments/type_edit.html", {"type": found, "form": form})


@require_http_methods(["GET", "POST"])
@staff_page("appointments.settings.edit")
def settings_page(request):
    current = selectors.clinic_settings(request.user.clinic_id)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(actor=request.user, **form.changed_fields())
        except SERVICE_ERRORS as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The reminder and feed settings have been saved."))
            return redirect("appointments:settings")
    return render(request, "appointments/settings.html", {"form": form})


# A new feed's address on its way to the page the creation redirects to: in a signed cookie of
# that page alone, for a minute, so that no server-side row ever holds the token (the feed keeps
# only its hash; a session row or a backup would hold it whole).
NEW_FEED_COOKIE, NEW_FEED_SALT, NEW_FEED_SECONDS = "new_feed", "appointments.feeds", 60


@require_http_methods(["GET", "POST"])
@staff_page("appointments.feeds")
def feeds(request):
    """A new feed's secret address is shown once, on the page the creation redirects to: a
    reload or a second click resends nothing, and a form sent again with its key lands on that
    page (core.idempotency) instead of making a second live feed."""
    path = reverse("appointments:feeds")
    if request.method == "POST":
        _feed, url = services.feed_create(actor=request.user)
        response = redirect(path)
        response.set_signed_cookie(
            NEW_FEED_COOKIE, url, salt=NEW_FEED_SALT, max_age=NEW_FEED_SECONDS, path=path,
            secure=request.is_secure(), httponly=True, samesite="Strict",
        )  # fmt: skip
        return response
    new_url = request.get_signed_cookie(
        NEW_FEED_COOKIE, default="", salt=NEW_FEED_SALT, max_age=NEW_FEED_SECONDS
    )
    response = render(
        request,
        "appointments/feeds.html",
        {"feeds": selectors.feed_list(actor=request.user), "new_url": new_url},
    )
    if NEW_FEED_COOKIE in request.COOKIES:
        response.delete_cookie(NEW_FEED_COOKIE, path=path, samesite="Strict")
    return response


@require_POST
@staff_page("appointments.feeds")
def feed_revoke(request, pk: str):
    feed = selectors.feed_get(actor=request.user, id=pk)
    services.feed_revoke(actor=request.user, feed=feed)
    messages.success(request, _("The feed has been revoked; calendars using it stop updating."))
    return redirect("appointments:feeds")


@login_not_required
@never_cache
@require_GET
def calendar_feed(request, token: str):
    """A subscribed calendar: the token is the key (unknown or revoked: 404)."""
    feed = services.feed_for_token(token)
    if feed is None:
        raise Http404(_("Not found."))
    rows = selectors.feed_appointments(feed=feed)
    settings_row = selectors.clinic_settings(feed.clinic_id)
    body = ics.feed(
        rows,
        tz=selectors.clinic_tz(feed.clinic),
        name=feed.clinic.name,
        show_names=feed.patient_id is None and settings_row.provider_feed_shows_names,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"
    return response
