"""Unread counts are exact for everyone: the patient, the assigned staff member and the team
inbox, with one's own messages, internal remarks, closing and reopening."""

import pytest

from messaging import selectors, services
from messaging.models import ReadState
from tests.messaging.factories import make_thread, write

pytestmark = pytest.mark.django_db


def count(user):
    return selectors.unread_count(actor=user)


def test_a_patient_message_is_unread_for_the_whole_team_until_each_reads_it(
    patient_user, clinician, nurse, admin_user, receptionist, staff
):
    thread = make_thread(patient_user, patient_user.patient_record, text="My rash is worse")
    write(patient_user, thread, "And it itches")
    assert count(patient_user) == 0  # one's own messages are never unread
    assert count(clinician) == count(nurse) == count(admin_user) == 2
    assert count(receptionist) == 0  # a clinical thread is not the front desk's
    assert count(staff["lab_tech"]) == 0
    services.thread_read(actor=clinician, thread=thread)
    assert count(clinician) == 0
    assert count(nurse) == 2


def test_assignment_moves_the_thread_out_of_the_team_inbox(patient_user, clinician, nurse):
    thread = make_thread(patient_user, patient_user.patient_record)
    services.thread_update(actor=nurse, thread=thread, assigned_to=clinician.pk)
    assert count(clinician) == 1
    assert count(nurse) == 0
    write(patient_user, thread, "Any news?")
    assert count(clinician) == 2
    assert count(nurse) == 0
    services.thread_update(actor=nurse, thread=thread, assigned_to=None)
    assert count(nurse) == 2
    assert count(clinician) == 2


def test_staff_reply_is_unread_for_the_patient_and_marks_all_read_for_the_writer(
    patient_user, clinician, nurse
):
    thread = make_thread(patient_user, patient_user.patient_record)
    write(clinician, thread, "Please send a photo")
    assert count(clinician) == 0  # writing marks everything before it read
    assert count(nurse) == 2  # the patient's message and the reply
    assert count(patient_user) == 1
    thread_for_patient = selectors.thread_get(actor=patient_user, id=thread.pk)
    assert selectors.with_unread(patient_user, [thread_for_patient])[0].unread == 1
    services.thread_read(actor=patient_user, thread=thread)
    assert count(patient_user) == 0


def test_internal_remarks_count_for_staff_never_for_the_patient(patient_user, clinician, nurse):
    thread = make_thread(patient_user, patient_user.patient_record)
    services.thread_read(actor=patient_user, thread=thread)
    write(clinician, thread, "Looks like eczema to me", internal=True)
    assert count(patient_user) == 0
    assert count(nurse) == 2
    write(clinician, thread, "Please use the cream twice a day")
    assert count(patient_user) == 1


def test_closing_takes_a_thread_out_of_staff_counts_and_a_new_message_reopens_it(
    patient_user, clinician, nurse
):
    thread = make_thread(patient_user, patient_user.patient_record)
    write(clinician, thread, "Done, closing")
    services.thread_update(actor=clinician, thread=thread, status="closed")
    assert count(nurse) == 0
    assert count(patient_user) == 1  # the patient still has the reply to read
    write(patient_user, thread, "Sorry, one more thing")
    thread.refresh_from_db()
    assert thread.status == "open"
    assert count(nurse) == 3
    assert count(clinician) == 1


def test_receptionists_count_the_front_desk_threads(patient_user, receptionist, clinician):
    make_thread(patient_user, patient_user.patient_record, category="appointment")
    assert count(receptionist) == 1
    assert count(clinician) == 1


def test_recount_repairs_a_counter_that_drifted(patient_user, clinician, nurse):
    from messaging.models import UnreadCounter

    make_thread(patient_user, patient_user.patient_record)
    UnreadCounter.objects.filter(user=nurse).update(unread=42)
    assert services.unread_recount() >= 1
    assert count(nurse) == 1
    assert ReadState.objects.filter(user=nurse, counted=1).count() == 1
