"""The inbox kept to one patient (`?patient=`, the patient page's "More threads") counts each
tab's unread threads within that patient, as the list below them shows."""

import pytest

from core.roles import Role
from messaging import selectors, services
from tests.messaging.factories import make_thread
from tests.patients.factories import PatientFactory, portal_user


@pytest.fixture
def second_patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Rui", last_name="Costa")


def waiting(patient, *, count: int, assigned_to=None, assigner=None) -> None:
    """`count` threads the patient wrote (unread by staff), assigned to `assigned_to` if given."""
    writer = patient.user or portal_user(patient)
    for n in range(count):
        thread = make_thread(writer, patient, subject=f"Question {n}")
        if assigned_to is not None:
            services.thread_update(actor=assigner, thread=thread, assigned_to=assigned_to)


@pytest.fixture
def inbox(staff, patient, second_patient, nurse):
    """Ana: one thread assigned to the nurse, one for the team. Rui: one and three."""
    clinician = staff[Role.CLINICIAN]
    waiting(patient, count=1, assigned_to=nurse, assigner=clinician)
    waiting(patient, count=1)
    waiting(second_patient, count=1, assigned_to=nurse, assigner=clinician)
    waiting(second_patient, count=3)


def tabs(client, **query) -> dict:
    answer = client.get("/messages/", query)
    assert answer.status_code == 200
    return {key: unread for key, _label, unread in answer.context["tabs"]}


@pytest.mark.usefixtures("inbox")
def test_the_tabs_count_only_the_patient_the_list_shows(client, nurse, patient, second_patient):
    client.force_login(nurse)

    assert tabs(client) == {"mine": 2, "team": 4, "open": 6, "closed": 0}
    assert tabs(client, patient=patient.pk) == {
        "mine": 1,
        "team": 1,
        "open": 2,
        "closed": 0,
        "all": 0,
    }
    assert tabs(client, patient=second_patient.pk, tab="team")["team"] == 3


@pytest.mark.usefixtures("inbox")
def test_another_clinics_or_an_unknown_patient_counts_nothing(client, nurse, other_patient):
    client.force_login(nurse)

    for pid in (other_patient.pk, "nope"):
        counted = tabs(client, patient=pid)
        assert (counted["mine"], counted["team"], counted["open"]) == (0, 0, 0)


@pytest.mark.usefixtures("inbox")
def test_a_patients_counts_take_two_reads_however_many_threads(
    nurse, patient, second_patient, django_assert_num_queries
):
    with django_assert_num_queries(2):
        few = selectors.unread_tabs(actor=nurse, patient=patient.pk)
    with django_assert_num_queries(2):
        more = selectors.unread_tabs(actor=nurse, patient=second_patient.pk)

    assert (few["open"], more["open"]) == (2, 4)


def test_past_the_bound_a_patients_tabs_say_at_least(client, staff, patient, nurse, monkeypatch):
    monkeypatch.setattr(selectors, "UNREAD_TABS_READ", 3)
    waiting(patient, count=4)
    client.force_login(nurse)

    counted = tabs(client, patient=patient.pk)

    assert counted["open"] == "2+"
    assert counted["team"] == "3+"
