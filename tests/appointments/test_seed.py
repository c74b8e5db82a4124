"""The demo seeder: past and upcoming appointments that hold their time, once."""

import io

import pytest
from django.utils import timezone

from appointments import demo
from appointments.models import Appointment, AppointmentBlock
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_seed_past_and_future_once(clinic, staff):
    for _ in range(8):
        PatientFactory(clinic=clinic)
    options = {"appointments": 12}
    demo.seed(clinic=clinic, users=staff, options=options, stdout=io.StringIO())
    now = timezone.now()
    past = Appointment.objects.filter(clinic=clinic, start__lt=now).count()
    future = Appointment.objects.filter(clinic=clinic, start__gte=now)
    assert past > 0 and future.count() > 0
    assert AppointmentBlock.objects.filter(appointment_id__in=future.values_list("pk", flat=True))
    total = Appointment.objects.count()
    demo.seed(clinic=clinic, users=staff, options=options, stdout=io.StringIO())
    assert Appointment.objects.count() == total
