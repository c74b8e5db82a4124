"""The staff pages: calendars (query counts constant in the number of appointments), the
front desk's Today list, booking from real free slots, moving, cancelling, the hours editor,
the patient page's panel and the home widget."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from appointments import selectors, services, views
from appointments.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Status,
)
from core.roles import Role
from tests.appointments.conftest import add_hours, local
from tests.factories import UserFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def booking_url(patient, appointment_type, provider, day) -> str:
    """The booking page for one patient, type, provider and day, as the Book button opens it."""
    return (
        f"/appointments/new/?patient={patient.pk}&type={appointment_type.pk}"
        f"&provider={provider.pk}&date={day.isoformat()}"
    )


def posted_slot(provider, start) -> str:
    """A free slot's radio value, as the booking form posts it."""
    return f"{provider.pk}|{start.astimezone(datetime.UTC).isoformat()}"


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def fill_week(book, patients, provider, monday, tz, per_day=4):
    for day in range(5):
        for i in range(per_day):
            start = local(monday + datetime.timedelta(days=day), "10:00", tz)
            book(patients[i % len(patients)], provider, start + datetime.timedelta(minutes=20 * i))


@pytest.mark.parametrize(("view", "one_provider"), [("week", True), ("day", True), ("day", False)])
def test_calendar_queries_do_not_grow(
    login,
    staff,
    book,
    patient,
    patient2,
    provider,
    nurse,
    monday,
    tz,
    view,
    one_provider,
    django_assert_max_num_queries,
):
    client = login(staff[Role.RECEPTIONIST])
    url = f"/appointments/?view={view}&date={monday.isoformat()}"
    if one_provider:
        url += f"&provider={nurse.pk}"
    book(patient, nurse, local(monday, "09:00", tz))
    with django_assert_max_num_queries(12) as first:
        assert client.get(url).status_code == 200
    fill_week(book, [patient, patient2], nurse, monday, tz)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
    assert "Follow-up" in response.content.decode()  # the type by name, not only by colour


def test_whole_clinic_week_is_a_grid_of_counts(
    login,
    staff,
    book,
    patient,
    patient2,
    provider,
    nurse,
    monday,
    tz,
    django_assert_max_num_queries,
):
    client = login(staff[Role.RECEPTIONIST])
    url = f"/appointments/?view=week&date={monday.isoformat()}"
    fill_week(book, [patient, patient2], nurse, monday, tz)
    before = AuditEvent.objects.count()
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert "4 appointments" in page and nurse.name in page and provider.name in page
    assert "Ada Lovelace" not in page
    assert AuditEvent.objects.count() == before  # no patient shown, nothing read


def test_whole_clinic_week_rows_link_each_provider_and_keep_names_as_text(
    login, staff, book, patient, nurse, monday, tz
):
    """Each provider's row opens their week; a day with nothing booked is a dash, not a link;
    a name is shown as text, never as markup."""
    nurse.name = "<b>Night</b> Nurse"
    nurse.save()
    book(patient, nurse, local(monday, "09:00", tz))
    text = login(staff[Role.RECEPTIONIST]).get(f"/appointments/?view=week&date={monday}")
    text = text.content.decode()
    week = f'?view=week&amp;date={monday.isoformat()}&amp;provider={nurse.pk}">'
    assert week + "&lt;b&gt;Night&lt;/b&gt; Nurse</a></th>" in text
    assert "<b>Night</b>" not in text
    row = text[text.index(week) :].split("</tr>")[0]
    assert row.count("<td>") == 7  # a cell a day
    assert row.count('<span class="text-body-secondary">—</span>') == 6  # Tuesday to Sunday
    tuesday = monday + datetime.timedelta(days=1)
    assert f"date={tuesday.isoformat()}&amp;provider={nurse.pk}" not in row


def test_whole_clinic_week_counts_each_appointment_on_its_local_day(
    login, staff, clinic, book, patient, patient2, nurse, monday
):
    """Far from UTC (Auckland, 12-13 hours ahead) a Monday morning is Sunday in UTC: the grid
    counts it on the clinic's Monday, in the cell that opens that day."""
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    book(patient, nurse, local(monday, "09:00", tz))
    book(patient2, nurse, local(monday, "09:20", tz))
    book(patient, nurse, local(monday + datetime.timedelta(days=4), "16:00", tz))
    page = login(staff[Role.RECEPTIONIST]).get(f"/appointments/?view=week&date={monday}")
    text = page.content.decode()

    def cell(day):
        return f'?view=day&amp;date={day.isoformat()}&amp;provider={nurse.pk}">'

    assert cell(monday) + "2 appointments</a>" in text
    assert cell(monday + datetime.timedelta(days=4)) + "1 appointment</a>" in text
    assert cell(monday - datetime.timedelta(days=1)) not in text  # Sunday: none, in UTC or not
    assert "3 appointments ·" in text  # the week's total above the grid
    day = login(staff[Role.RECEPTIONIST]).get(
        f"/appointments/?view=day&date={monday}&provider={nurse.pk}"
    )
    assert "09:00–09:20" in day.content.decode()  # the clinic's time, not UTC's 20:00


def test_whole_clinic_day_shows_providers_a_few_at_a_time(
    login,
    staff,
    clinic,
    book,
    patient,
    patient2,
    provider,
    nurse,
    monday,
    tz,
    monkeypatch,
    other_clinic,
    other_staff,
):
    """Fifty providers' day side by side is 220 KB no screen shows: their columns come a page
    at a time, only the patients shown are audited, and the day's total counts everyone."""
    monkeypatch.setattr(views, "DAY_COLUMNS", 2)
    last = UserFactory(clinic=clinic, role=Role.CLINICIAN, name="Zoe Zimmer")  # sorts last
    add_hours(clinic, last)
    carol = PatientFactory(clinic=clinic, first_name="Carol", last_name="Third")
    book(patient, provider, local(monday, "09:00", tz))
    book(patient2, nurse, local(monday, "09:00", tz))
    book(carol, last, local(monday, "09:00", tz))
    elsewhere = other_staff[Role.CLINICIAN]  # another clinic's provider and patient
    add_hours(other_clinic, elsewhere)
    services.types_install(clinic=other_clinic)
    services.appointment_book(
        actor=other_staff[Role.RECEPTIONIST],
        patient=PatientFactory(clinic=other_clinic, first_name="Olga", last_name="Outsider"),
        provider_id=elsewhere.pk,
        type_id=AppointmentType.objects.get(clinic=other_clinic, name="Follow-up").pk,
        start=local(monday, "09:00", zoneinfo.ZoneInfo(other_clinic.timezone)),
    )
    assert list(selectors.provider_list(clinic_id=clinic.pk))[-1] == last
    client = login(staff[Role.RECEPTIONIST])
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    first = client.get(f"/appointments/?view=day&date={monday}").content.decode()
    assert "Ada Lovelace" in first and "Grace Hopper" in first and "Carol Third" not in first
    assert "3 appointments ·" in first and "Providers are shown 2 at a time." in first
    audited = AuditEvent.objects.exclude(pk__in=before)
    assert set(audited.values_list("patient_id", flat=True)) == {patient.pk, patient2.pk}
    second = client.get(f"/appointments/?view=day&date={monday}&page=2").content.decode()
    assert "Carol Third" in second and "Zoe Zimmer" in second and "Ada Lovelace" not in second
    theirs = client.get(f"/appointments/?view=day&date={monday}&provider={elsewhere.pk}")
    assert all("Outsider" not in page for page in (first, second, theirs.content.decode()))
    assert elsewhere.name not in first + second


def test_calendar_per_provider_and_audit(
    login, staff, book, patient, patient2, provider, nurse, monday, tz
):
    book(patient, provider, local(monday, "09:00", tz))
    book(patient2, nurse, local(monday, "09:00", tz))
    client = login(staff[Role.CLINICIAN])
    before = AuditEvent.objects.count()
    page = client.get(f"/appointments/?date={monday.isoformat()}&provider={provider.pk}")
    text = page.content.decode()
    assert "Ada Lovelace" in text and "Grace Hopper" not in text
    assert AuditEvent.objects.count() == before + 1  # one 'view' per patient shown


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_days_outside_the_calendar_show_today_or_say_so(
    login, staff, patient, provider, follow_up, tz, day
):
    """Near year 1 or 9999 the calendars' and the search's margins overflowed into a 500."""
    client = login(staff[Role.RECEPTIONIST])
    today = timezone.now().astimezone(tz).date()
    for view in ("week", "day"):
        page = client.get(f"/appointments/?view={view}&date={day}")
        assert page.status_code == 200 and page.context["days"][-1] >= today
    book = f"/appointments/new/?patient={patient.pk}&type={follow_up.pk}&provider=&date={day}"
    page = client.get(book)
    assert page.status_code == 200
    assert "Give a date between 1900 and 2999." in page.content.decode()


def test_the_calendar_offers_every_provider_with_the_one_shown_selected(
    login, staff, provider, nurse, monday
):
    provider.name, nurse.name = "<i>Dr</i> O'Neil", "Nia Nurse"
    provider.save(), nurse.save()
    client = login(staff[Role.RECEPTIONIST])
    page = client.get(f"/appointments/?date={monday}&provider={nurse.pk}").content.decode()
    assert f'<option value="{provider.pk}">&lt;i&gt;Dr&lt;/i&gt; O&#x27;Neil</option>' in page
    assert f'<option value="{nurse.pk}" selected>Nia Nurse</option>' in page
    whole = client.get(f"/appointments/?date={monday}").content.decode()
    select = whole[whole.index('id="cal-provider"') :].split("</select>")[0]
    assert " selected" not in select
    hours = login(staff[Role.ADMIN]).get(f"/appointments/availability/?provider={provider.pk}")
    select = hours.content.decode().split('id="hours-provider"')[1].split("</select>")[0]
    assert (
        f'<option value="{provider.pk}" selected>&lt;i&gt;Dr&lt;/i&gt; O&#x27;Neil</option>'
        in select
    )
    assert f'<option value="{nurse.pk}">Nia Nurse</option>' in select


def test_calendar_entries_link_show_status_and_keep_names_as_text(
    login, staff, clinic, book, patient, patient2, provider, types, monday, tz
):
    """Each entry of a provider's day links to its appointment with its time, type, patient
    and any status but booked; a patient's name is text, never markup; a free day says so."""
    odd = PatientFactory(clinic=clinic, first_name="<b>Bo</b>", last_name="O'Hara & Co")
    [first] = book(odd, provider, local(monday, "09:00", tz))
    [second] = book(patient, provider, local(monday, "09:20", tz))
    Appointment.objects.filter(pk=second.pk).update(status=Status.CHECKED_IN)
    other = types["New patient"]
    other.name = "New <patient>"
    other.save()
    [third] = book(patient2, provider, local(monday, "10:30", tz), appointment_type=other)
    Appointment.objects.filter(pk=third.pk).update(status=Status.NO_SHOW)
    client = login(staff[Role.RECEPTIONIST])
    day = client.get(f"/appointments/?view=day&date={monday}&provider={provider.pk}")
    text = day.content.decode()
    assert f'href="/appointments/{first.pk}/"><span class="fw-semibold">09:00–09:20</span>' in text
    assert "&lt;b&gt;Bo&lt;/b&gt; O&#x27;Hara &amp; Co</a>" in text  # booked: no badge
    assert "<b>Bo</b>" not in text
    assert 'Ada Lovelace <span class="badge text-bg-light border">Checked in</span>' in text
    assert text.count(f'hp-type-{first.type_id}" href') == 2
    assert text.count(">Follow-up</span>") == 2
    assert (
        f'hp-type-{other.pk}" href="/appointments/{third.pk}/"><span class="fw-semibold">'
        '10:30–11:10</span> <span class="small">New &lt;patient&gt;</span><br>'
    ) in text
    assert '<span class="badge text-bg-light border">No-show</span>' in text
    free = client.get(f"/appointments/?view=day&date={monday + datetime.timedelta(days=1)}")
    assert "Nothing booked" in free.content.decode()


def test_type_colours_are_a_stylesheet(login, staff, types):
    response = login(staff[Role.NURSE]).get("/appointments/types.css")
    assert response["Content-Type"] == "text/css"
    assert f".hp-type-{types['Follow-up'].pk}" in response.content.decode()


def test_booking_offers_real_free_slots(
    login, staff, book, patient, patient2, provider, follow_up, monday, tz
):
    book(patient2, provider, local(monday, "09:20", tz))
    client = login(staff[Role.RECEPTIONIST])
    url = booking_url(patient, follow_up, provider, monday)
    page = client.get(url).content.decode()
    assert "09:00–09:20" in page and "09:20–09:40" not in page and "09:40–10:00" in page
    slot = posted_slot(provider, local(monday, "09:40", tz))
    response = client.post(url, {"slot": slot, "reason": "Check-up"})
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert booked.start == local(monday, "09:40", tz) and booked.reason == "Check-up"


def test_the_booking_page_opens_on_tomorrows_free_slots(login, staff, clinic, types, patient, tz):
    """From the patient page's "Book an appointment" (no search yet): tomorrow's free slots for
    the first type and any provider, with no "required" errors, and the slot form posts that
    search back (it showed "This field is required." twice and no slots)."""
    tomorrow = timezone.now().astimezone(tz).date() + datetime.timedelta(days=1)
    nurse = staff[Role.NURSE]
    add_hours(clinic, nurse, "10:00", "11:00", weekdays=[tomorrow.weekday()])
    first = AppointmentType.objects.filter(clinic=clinic, is_active=True).order_by("name").first()
    client = login(staff[Role.RECEPTIONIST])

    page = client.get(f"/appointments/new/?patient={patient.pk}").content.decode()

    assert "This field is required" not in page
    assert f'<option value="{first.pk}" selected>' in page
    assert f'value="{tomorrow.isoformat()}"' in page
    assert "10:00–" in page
    search = f"patient={patient.pk}&type={first.pk}&provider=&date={tomorrow.isoformat()}"
    assert f'action="?{search.replace("&", "&amp;")}"' in page
    slot = posted_slot(nurse, local(tomorrow, "10:00", tz))
    assert client.post(f"/appointments/new/?{search}", {"slot": slot}).status_code == 302
    assert Appointment.objects.get(patient=patient).start == local(tomorrow, "10:00", tz)


def test_a_day_without_free_slots_links_to_the_next_day_that_has_one(
    login, staff, patient, provider, follow_up, monday, tz
):
    """Saturday (the clinician works weekdays): the page says so and links to Monday's
    search; two weeks with no hours at all say to try another provider or type."""
    saturday = monday - datetime.timedelta(days=2)
    client = login(staff[Role.RECEPTIONIST])
    search = f"patient={patient.pk}&type={follow_up.pk}&provider={provider.pk}"

    page = client.get(f"/appointments/new/?{search}&date={saturday}").content.decode()

    assert "No free slots that day." in page
    monday_search = f"{search}&date={monday.isoformat()}".replace("&", "&amp;")
    assert f'<a href="?{monday_search}">The next free slot is on Monday' in page
    AvailabilityRule.objects.filter(provider=provider).delete()
    page = client.get(f"/appointments/new/?{search}&date={saturday}").content.decode()
    assert "None in the next two weeks either: try another provider or type." in page


@pytest.mark.parametrize("days_ahead", [1, 2, 3, 6, 13, 14, 15])
def test_the_next_free_day_is_the_first_one_however_far_within_two_weeks(
    login, staff, clinic, patient, follow_up, monday, days_ahead
):
    """The look-ahead searches spans of 1, 2, 4 and 7 days (the next working day is usually
    the next day): the first day with a slot is named at each span's edge, and one 15 days
    ahead is past the two weeks."""
    nurse = staff[Role.NURSE]
    first = monday + datetime.timedelta(days=days_ahead)
    every_day = range(7)
    add_hours(clinic, nurse, "10:00", "11:00", weekdays=every_day, valid_from=first)
    search = f"patient={patient.pk}&type={follow_up.pk}&provider={nurse.pk}&date={monday}"

    page = login(staff[Role.RECEPTIONIST]).get(f"/appointments/new/?{search}").content.decode()

    assert "No free slots that day." in page
    if days_ahead > 14:
        assert "None in the next two weeks either" in page
    else:
        next_search = search.replace(f"date={monday}", f"date={first}").replace("&", "&amp;")
        assert f'<a href="?{next_search}">The next free slot is on' in page


@pytest.mark.parametrize(
    ("role", "says"),
    [(Role.ADMIN, "Add a type"), (Role.RECEPTIONIST, "An administrator adds them.")],
)
def test_a_clinic_without_types_is_told_so_on_the_booking_page(
    login, staff, clinic, patient, role, says
):
    AppointmentType.objects.filter(clinic=clinic).delete()
    page = login(staff[role]).get(f"/appointments/new/?patient={patient.pk}").content.decode()
    assert "The clinic has no appointment types to book yet." in page and says in page
    assert "Find free slots" not in page and "This field is required" not in page


def test_booking_with_any_provider_offers_each_time_once(
    login, staff, book, patient, patient2, provider, nurse, follow_up, monday, tz
):
    """At a clinic of fifty, "any provider" was every provider's every slot (838 choices for a
    day): each time comes once, with the provider least booked that day; a time chosen for
    another provider who is still free books too."""
    book(patient2, provider, local(monday, "11:00", tz))  # the clinician is the busier one
    client = login(staff[Role.RECEPTIONIST])
    url = f"/appointments/new/?patient={patient.pk}&type={follow_up.pk}&date={monday}"
    page = client.get(url).content.decode()
    assert page.count("09:00–09:20 · ") == 1 and f"09:00–09:20 · {nurse.name}" in page
    assert page.count('type="radio"') == 24  # 09:00-17:00 in 20-minute slots, once each
    assert "Each time is offered once" in page
    theirs = client.get(f"{url}&provider={provider.pk}").content.decode()
    assert f"09:00–09:20 · {provider.name}" in theirs and "11:00–11:20" not in theirs
    assert "Each time is offered once" not in theirs

    not_offered = posted_slot(provider, local(monday, "09:00", tz))
    response = client.post(url, {"slot": not_offered})
    assert response.status_code == 302
    booked = Appointment.objects.get(patient=patient)
    assert booked.provider_id == provider.pk and booked.start == local(monday, "09:00", tz)
    taken = client.post(url, {"slot": not_offered})  # now taken: refused, with a message
    assert taken.status_code == 200
    assert "That slot is no longer free: choose another." in taken.content.decode()


def test_booking_a_slot_taken_meanwhile_says_so(
    login, staff, book, patient, patient2, provider, follow_up, monday, tz
):
    client = login(staff[Role.RECEPTIONIST])
    url = booking_url(patient, follow_up, provider, monday)
    client.get(url)
    slot = posted_slot(provider, local(monday, "09:00", tz))
    book(patient2, provider, local(monday, "09:00", tz))  # someone else, meanwhile
    response = client.post(url, {"slot": slot})
    assert response.status_code == 200
    assert "That slot is no longer free: choose another." in response.content.decode()
    assert not Appointment.objects.filter(patient=patient).exists()


def test_booking_without_choosing_a_slot_asks_for_one_and_books_nothing(
    login, staff, patient, provider, follow_up, monday
):
    client = login(staff[Role.RECEPTIONIST])
    response = client.post(booking_url(patient, follow_up, provider, monday), {"reason": "Cough"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose one of the free slots." in page and "This field is required" not in page
    assert 'value="Cough"' in page  # what was typed is kept
    assert not Appointment.objects.filter(patient=patient).exists()


def test_booking_the_last_free_slot_taken_meanwhile_says_so(
    login, staff, book, patient, patient2, provider, follow_up, monday, tz
):
    """With no slot left that day the form is not drawn, but why the booking failed still is."""
    client = login(staff[Role.RECEPTIONIST])
    url = booking_url(patient, follow_up, provider, monday)
    day = [local(monday, "09:00", tz) + datetime.timedelta(minutes=20 * n) for n in range(24)]
    for start in day[1:]:
        book(patient2, provider, start)
    assert client.get(url).content.decode().count('type="radio"') == 1
    slot = posted_slot(provider, day[0])
    book(patient2, provider, day[0])  # the last one, meanwhile

    page = client.post(url, {"slot": slot}).content.decode()

    assert "That slot is no longer free: choose another." in page
    assert "No free slots that day." in page
    assert not Appointment.objects.filter(patient=patient).exists()


@pytest.fixture
def monday_ten(patient, provider, follow_up, monday, tz) -> tuple[str, str]:
    """The follow-up booking page for Monday, and its 10:00 slot as the form posts it."""
    return booking_url(patient, follow_up, provider, monday), posted_slot(
        provider, local(monday, "10:00", tz)
    )


def test_booking_a_weekly_series_from_the_form(login, staff, patient, monday_ten):
    client = login(staff[Role.NURSE])
    url, slot = monday_ten
    response = client.post(url, {"slot": slot, "repeat": "weekly", "interval": 1, "count": 3})
    assert response.status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 3


def test_occurrences_without_a_repeat_are_refused_not_dropped(login, staff, patient, monday_ten):
    """ "5 occurrences" with "Does not repeat" booked one appointment and said nothing."""
    client = login(staff[Role.RECEPTIONIST])
    url, slot = monday_ten

    page = client.post(url, {"slot": slot, "repeat": "", "interval": 1, "count": 5})

    assert page.status_code == 200
    assert "Choose how often it repeats" in page.content.decode()
    assert not Appointment.objects.filter(patient=patient).exists()


def test_reschedule_and_history(login, staff, book, patient, provider, follow_up, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    client = login(staff[Role.RECEPTIONIST])
    url = (
        f"/appointments/{appointment.pk}/reschedule/?type={follow_up.pk}"
        f"&provider={provider.pk}&date={monday.isoformat()}"
    )
    assert client.get(url).status_code == 200
    opening = client.get(f"/appointments/{appointment.pk}/reschedule/").content.decode()
    assert f'<option value="{provider.pk}" selected>' in opening  # a move keeps the provider
    assert "This field is required" not in opening
    slot = posted_slot(provider, local(monday, "15:00", tz))
    assert client.post(url, {"slot": slot, "note": "Patient asked"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == local(monday, "15:00", tz)
    detail = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Patient asked" in detail
    history = detail[detail.index(">History<") :]
    assert ": booked" in history and ": moved" in history  # as a person says it, not the code
    assert "reschedule" not in history


def test_cancel_with_a_reason(login, staff, book, patient, provider, monday, tz):
    (appointment,) = book(patient, provider, local(monday, "09:00", tz))
    client = login(staff[Role.RECEPTIONIST])
    assert client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": ""}).status_code == 200
    response = client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Snow"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED and appointment.cancel_reason == "Snow"
    detail = client.get(response["Location"]).content.decode()
    assert "Cancelled 1 appointment." in detail and ": cancelled" in detail


def open_all_day_at_midday(clinic, provider) -> datetime.datetime:
    """Move the clinic to a timezone where it is now mid-day, so "later today" exists whenever
    this runs, open the provider all day, and return the next free 20-minute slot."""
    zones = [
        "Pacific/Kiritimati",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Europe/London",
        "America/New_York",
        "Pacific/Honolulu",
    ]
    utc_now = timezone.now()
    clinic.timezone = next(
        z for z in zones if 6 <= utc_now.astimezone(zoneinfo.ZoneInfo(z)).hour < 16
    )
    clinic.save()
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    now = utc_now.astimezone(tz)
    today = now.date()
    AvailabilityRule.objects.create(
        clinic=clinic,
        provider=provider,
        weekday=today.weekday(),
        start_time=datetime.time(0),
        end_time=datetime.time(23, 55),
    )
    start = local(today, "00:00", tz)
    while start <= now:
        start += datetime.timedelta(minutes=20)
    return start


def test_today_list_and_its_buttons(login, staff, clinic, patient, provider, follow_up):
    start = open_all_day_at_midday(clinic, provider)
    (appointment,) = services.appointment_book(
        actor=staff[Role.RECEPTIONIST],
        patient=patient,
        provider_id=provider.pk,
        type_id=follow_up.pk,
        start=start,
    )
    client = login(staff[Role.RECEPTIONIST])
    page = client.get("/appointments/today/").content.decode()
    assert "Ada Lovelace" in page and "Check in" in page
    response = client.post(
        f"/appointments/{appointment.pk}/status/check_in/", {"next": "/appointments/today/"}
    )
    assert response.status_code == 302 and response["Location"] == "/appointments/today/"
    client.post(f"/appointments/{appointment.pk}/status/complete/")
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED
    client.post(f"/appointments/{appointment.pk}/status/check_in/")  # refused: already complete
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED
    home = client.get("/").content.decode()
    assert "Appointments today" in home and "Ada Lovelace" in home


def test_today_comes_a_page_at_a_time_opening_where_the_day_has_got_to(
    login, staff, clinic, provider, book, monkeypatch
):
    """A big clinic's day is hundreds of appointments (800 KB on one page at 50 providers): the
    list comes a page at a time, opens at the page of the first appointment not over yet, audits
    the patients shown, and a check-in comes back to the page it was made on."""
    monkeypatch.setattr(selectors, "PER_PAGE", 3)
    start = open_all_day_at_midday(clinic, provider)  # local time is between 06:00 and 16:00
    people = [PatientFactory(clinic=clinic, last_name=f"Today{n:02d}") for n in range(7)]
    booked = [book(p, provider, start + datetime.timedelta(minutes=20 * n))[0] for n, p in
              enumerate(people)]  # fmt: skip
    morning = timezone.now() - datetime.timedelta(hours=5)
    for n, seen in enumerate(booked[:4]):  # the first four were this morning
        begin = morning + datetime.timedelta(minutes=20 * n)
        end = begin + datetime.timedelta(minutes=20)
        Appointment.objects.filter(pk=seen.pk).update(start=begin, end=end, busy_until=end)
    client = login(staff[Role.RECEPTIONIST])
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    page = client.get("/appointments/today/").content.decode()
    assert [f"Today{n:02d}" in page for n in range(7)] == [False] * 3 + [True] * 3 + [False]
    assert "Showing 4–6 of 7" in page
    audited = AuditEvent.objects.exclude(pk__in=before).filter(detail="today")
    assert set(audited.values_list("patient_id", flat=True)) == {p.pk for p in people[3:6]}
    assert "Today06" in client.get("/appointments/today/?page=3").content.decode()

    check_in = f"/appointments/{booked[4].pk}/status/check_in/"
    response = client.post(check_in, {"next": "/appointments/today/?page=2"})
    assert response["Location"] == "/appointments/today/?page=2"
    booked[4].refresh_from_db()
    assert booked[4].status == Status.CHECKED_IN
    elsewhere = client.post(
        f"/appointments/{booked[5].pk}/status/check_in/",
        {"next": "https://elsewhere.example/appointments/today/"},
    )
    assert elsewhere["Location"] == f"/appointments/{booked[5].pk}/"


def test_home_shows_the_first_15_of_today_and_audits_only_those(
    login, staff, clinic, provider, book, django_assert_max_num_queries
):
    start = open_all_day_at_midday(clinic, provider)
    people = [PatientFactory(clinic=clinic, last_name=f"Today{n:02d}") for n in range(17)]
    book(people[0], provider, start)
    client = login(staff[Role.RECEPTIONIST])
    client.get("/")  # warm caches (session, clinic)
    with django_assert_max_num_queries(40) as one:
        home = client.get("/").content.decode()
    assert "Today00" in home and provider.name in home
    assert "More appointments today" not in home
    for n, person in enumerate(people[1:], start=1):
        book(person, provider, start + datetime.timedelta(minutes=20 * n))
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(len(one.captured_queries)):
        home = client.get("/").content.decode()
    shown = {f"Today{n:02d}" for n in range(15)}
    assert all(name in home for name in shown) and "Today15" not in home
    assert "More appointments today" in home
    audited = AuditEvent.objects.exclude(pk__in=before).filter(detail="today widget")
    assert set(audited.values_list("patient_id", flat=True)) == {p.pk for p in people[:15]}


def test_hours_editor(login, staff, provider, types):
    client = login(provider)
    page = client.get("/appointments/availability/").content.decode()
    assert "Weekly hours of" in page and "Monday" in page
    response = client.post(
        "/appointments/availability/",
        {
            "add_rule": "1",
            "rule-weekday": 5,
            "rule-start_time": "10:00",
            "rule-end_time": "12:00",
            "rule-type_ids": [types["Telehealth"].pk],
        },
    )
    assert response.status_code == 302
    rule = AvailabilityRule.objects.get(provider=provider, weekday=5)
    assert rule.type_ids == [types["Telehealth"].pk]
    response = client.post(
        "/appointments/availability/",
        {
            "add_exception": "1",
            "exc-date": "2099-01-05",
            "exc-kind": "time_off",
        },
    )
    assert response.status_code == 302
    far = {"add_exception": "1", "exc-date": "9999-12-31", "exc-kind": "time_off"}
    refused = client.post("/appointments/availability/", far)
    assert refused.status_code == 200  # the form again, with the date's error on it
    assert "Give a date between 1900 and 2999." in refused.content.decode()
    assert client.post(f"/appointments/availability/rules/{rule.pk}/delete/").status_code == 302
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()
    # A provider cannot remove a colleague's hours.
    nurse_rule = AvailabilityRule.objects.create(
        clinic=provider.clinic,
        provider=staff[Role.NURSE],
        weekday=0,
        start_time=datetime.time(9),
        end_time=datetime.time(10),
    )
    assert (
        client.post(f"/appointments/availability/rules/{nurse_rule.pk}/delete/").status_code == 403
    )


def test_patient_page_panel(login, staff, book, patient, provider, monday, tz):
    book(patient, provider, local(monday, "09:00", tz))
    page = login(staff[Role.RECEPTIONIST]).get(f"/patients/{patient.pk}/").content.decode()
    assert 'id="panel-appointments"' in page
    assert "Book an appointment" in page and "Follow-up" in page


@pytest.mark.parametrize("listed", [3, 2])
def test_patient_page_panel_says_when_it_lists_only_the_next_appointments(
    login, staff, book, patient, provider, monday, tz, monkeypatch, listed
):
    monkeypatch.setattr("appointments.selectors.PANEL_UPCOMING", listed)
    for hhmm in ("09:00", "10:00", "11:00"):
        book(patient, provider, local(monday, hhmm, tz))

    page = login(staff[Role.RECEPTIONIST]).get(f"/patients/{patient.pk}/").content.decode()

    times = [hhmm for hhmm in ("09:00", "10:00", "11:00") if f" {hhmm}</a> · Follow-up" in page]
    assert times == ["09:00", "10:00", "11:00"][:listed]
    assert ("Only the next 2 appointments are shown." in page) == (listed == 2)


def test_hours_posted_for_someone_no_longer_a_provider_are_not_saved_as_the_admins(
    login, staff, provider, types
):
    """An admin's page for a colleague since deactivated: the rule went to the admin's own
    hours (the page fell back to them); now the post is refused and nothing is saved."""
    admin = staff[Role.ADMIN]
    client = login(admin)

    response = client.post(
        "/appointments/availability/?provider=6b138e074001712cdfa96b29",
        {"add_rule": "1", "rule-weekday": 5, "rule-start_time": "10:00", "rule-end_time": "12:00"},
    )

    assert response.status_code == 404
    assert not AvailabilityRule.objects.filter(weekday=5).exists()


def test_hours_name_a_deactivated_type_and_say_when_exceptions_are_left_out(
    login, provider, types, monkeypatch
):
    """A rule limited to a type since deactivated offers none of its slots: the page names the
    type as inactive instead of leaving the cell blank. A long list of time off says it is
    cut short."""
    telehealth = types["Telehealth"]
    AvailabilityRule.objects.create(
        clinic=provider.clinic,
        provider=provider,
        weekday=5,
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        type_ids=[telehealth.pk],
    )
    AppointmentType.objects.filter(pk=telehealth.pk).update(is_active=False)
    for day in (5, 6, 7):
        AvailabilityException.objects.create(
            clinic=provider.clinic,
            provider=provider,
            date=datetime.date(2099, 1, day),
            kind="time_off",
        )
    monkeypatch.setattr("appointments.selectors.EXCEPTIONS_LISTED", 2)

    page = login(provider).get("/appointments/availability/").content.decode()

    assert f"{telehealth.name} (inactive)" in page
    assert "Mon 5 Jan 2099" in page and "Wed 7 Jan 2099" not in page
    assert "Only the next 2 are shown." in page


def test_admin_pages(login, admin_user, types):
    client = login(admin_user)
    assert (
        client.post(
            "/appointments/types/",
            {
                "name": "Vaccination",
                "duration_minutes": 10,
                "buffer_minutes": 0,
                "colour": "#112233",
                "patient_bookable": "on",
                "is_active": "on",
            },
        ).status_code
        == 302
    )
    page = client.get("/appointments/settings/").content.decode()
    assert "/clinic/settings/" in page and 'name="min_notice_hours"' not in page
    assert (
        client.post(
            "/appointments/settings/",
            {"reminder_hours": 48, "provider_feed_shows_names": "on"},
        ).status_code
        == 302
    )
    from appointments.selectors import clinic_settings

    saved = clinic_settings(admin_user.clinic_id)
    assert (saved.reminder_hours, saved.provider_feed_shows_names) == (48, True)


def test_feed_page(login, provider):
    client = login(provider)
    created = client.post("/appointments/feeds/")
    assert (created.status_code, created["Location"]) == (302, "/appointments/feeds/")
    cookie = created.cookies["new_feed"]
    assert (cookie["path"], cookie["max-age"], cookie["samesite"]) == (
        "/appointments/feeds/",
        60,
        "Strict",
    )
    page = client.get(created["Location"]).content.decode()
    assert "/calendar/" in page and ".ics" in page
    token = page.split("/calendar/")[1].split(".ics")[0]
    from django.contrib.sessions.models import Session

    assert not any(token in str(s.get_decoded()) for s in Session.objects.all())  # only its hash
    again = client.get("/appointments/feeds/").content.decode()
    assert ".ics" not in again  # shown once: a reload shows the feed, not its secret address
    assert again.count("Revoke") == 1


def test_a_feed_form_sent_again_with_its_key_makes_one_feed(login, provider):
    """A second click or a resent form (static/js/forms.js sends the same `_submission` key)
    lands on the page the first one led to, and no second live feed is made."""
    from appointments.models import CalendarFeed

    client = login(provider)
    first = client.post("/appointments/feeds/", {"_submission": "feed-1"})
    again = client.post("/appointments/feeds/", {"_submission": "feed-1"})

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert CalendarFeed.objects.filter(owner=provider).count() == 1


def test_a_providers_week_tells_a_phone_it_scrolls_sideways(login, staff, nurse, monday):
    """Only three days of a week fit a phone: its week says so (hidden from tablets up), and
    its day does not."""
    client = login(staff[Role.RECEPTIONIST])
    hint = "swipe it sideways for the later days"
    week = client.get(f"/appointments/?view=week&date={monday}&provider={nurse.pk}")
    day = client.get(f"/appointments/?view=day&date={monday}&provider={nurse.pk}")
    assert hint in week.content.decode() and hint not in day.content.decode()


@pytest.mark.parametrize(
    ("locale", "shown", "first_slot"),
    [("en-US", "2:20 PM–2:40 PM", "9:00 AM–9:20 AM"), ("en-GB", "14:20–14:40", "09:00–09:20")],
)
def test_appointment_times_follow_the_clinics_clock(
    login, staff, clinic, book, patient, provider, monday, tz, locale, shown, first_slot
):
    """One clock on a page: a US clinic's calendar, slots and appointment read 2:20 PM as its
    "Booked …" times do; a British one 14:20."""
    clinic.locale = locale
    clinic.save()
    (appointment,) = book(patient, provider, local(monday, "14:20", tz))
    client = login(staff[Role.RECEPTIONIST])

    week = client.get(f"/appointments/?date={monday.isoformat()}&provider={provider.pk}")
    detail = client.get(f"/appointments/{appointment.pk}/").content.decode()
    query = f"?type={appointment.type_id}&provider={provider.pk}&date={monday.isoformat()}"
    move = client.get(f"/appointments/{appointment.pk}/reschedule/{query}").content.decode()

    assert shown in week.content.decode()
    assert shown in detail
    assert f"{first_slot} · {provider.name}" in move  # the slots offered, in the same clock
