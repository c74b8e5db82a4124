"""The inbox offers the categories a role reads, and a patient page's empty panel says why."""

from core.roles import Role
from tests.messaging.factories import make_thread
from tests.patients.html_factories import page_text


def category_options(client) -> list[str]:
    form = client.get("/messages/").context["filter_form"]
    return [value for value, _label in form.fields["category"].choices]


def test_the_front_desk_is_offered_the_categories_it_reads(client, staff):
    client.force_login(staff[Role.RECEPTIONIST])
    assert category_options(client) == ["", "appointment", "billing"]
    client.force_login(staff[Role.NURSE])
    assert {"clinical", "appointment", "billing"} <= set(category_options(client))


def test_the_front_desk_panel_says_clinical_threads_are_not_shown(
    client, staff, patient, clinician
):
    make_thread(clinician, patient, category="clinical")
    client.force_login(staff[Role.RECEPTIONIST])
    page = page_text(client.get(f"/patients/{patient.pk}/"))
    assert "Clinical threads are not shown to your role." in page
    assert "No messages yet." not in page


def test_each_tab_says_how_many_threads_wait_unread(client, staff, patient, patient_user, nurse):
    make_thread(patient_user, patient, subject="Dizzy", category="clinical")
    client.force_login(nurse)

    tabs = {key: unread for key, _label, unread in client.get("/messages/").context["tabs"]}

    assert tabs == {"mine": 0, "team": 1, "open": 1, "closed": 0}  # the badge's thread is found


def test_past_the_bound_the_tabs_say_at_least(
    client, staff, patient, patient_user, nurse, monkeypatch
):
    from messaging import selectors, services

    monkeypatch.setattr(selectors, "UNREAD_TABS_READ", 4)
    for n in range(6):
        make_thread(patient_user, patient, subject=f"Question {n}")
    mine = make_thread(patient_user, patient, subject="Mine")
    services.thread_update(actor=staff[Role.CLINICIAN], thread=mine, assigned_to=nurse)
    client.force_login(nurse)

    tabs = {key: unread for key, _label, unread in client.get("/messages/").context["tabs"]}

    assert tabs["mine"] == 1  # counted from the threads assigned to them, whatever the bound
    assert tabs["open"] == "3+"
    assert str(tabs["team"]).endswith("+")


def test_another_tab_keeps_the_category_and_search(client, staff):
    client.force_login(staff[Role.RECEPTIONIST])
    page = client.get("/messages/", {"tab": "team", "category": "billing", "q": "Ada"})
    assert 'href="?tab=open&amp;category=billing&amp;q=Ada"' in page.content.decode()
