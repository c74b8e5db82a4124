"""All or nothing: a service's rows (its audit row included) are written together or not at all;
`manage.py reconcile` lists what a crash could leave half-written where that is not possible."""

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import AuditEvent
from core import audit as audit_module
from core.roles import Role
from labs import services as lab_services
from labs.models import LabOrder, LabOrderItem
from patients.models import Patient
from patients.services import patient_create
from tests.conftest import atomic_units
from tests.labs.factories import GLUCOSE, panel

pytestmark = pytest.mark.django_db


class Crash(Exception):
    """Stands for the process dying in the middle of a unit."""


def crash(*args, **kwargs):
    raise Crash


@atomic_units
def test_an_order_whose_audit_row_fails_leaves_no_order_and_no_items(
    monkeypatch, clinician, clinic, patient, catalogue
):
    monkeypatch.setattr(lab_services, "audit", crash)
    with pytest.raises(Crash):
        lab_services.order_create(actor=clinician, patient=patient, panels=[panel(clinic, "Lipid")])
    assert not LabOrder.objects.exists() and not LabOrderItem.objects.exists()


@atomic_units
def test_an_order_whose_items_fail_is_not_saved(monkeypatch, clinician, patient, catalogue):
    monkeypatch.setattr(LabOrderItem.objects, "bulk_create", crash)
    with pytest.raises(Crash):
        lab_services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])
    assert not LabOrder.objects.exists()


@atomic_units
def test_a_patient_whose_audit_row_fails_is_not_created(monkeypatch, staff):
    monkeypatch.setattr(audit_module.audit_model(), "save", crash)
    with pytest.raises(Crash):
        patient_create(
            actor=staff[Role.ADMIN],
            first_name="Grace",
            last_name="Hopper",
            date_of_birth="1986-12-09",
        )
    assert not Patient.objects.exists()


def test_a_patient_created_twice_at_once_gets_the_next_record_number(staff, monkeypatch):
    """The record-number retry still works inside a unit (the failed insert has a savepoint)."""
    first = patient_create(
        actor=staff[Role.ADMIN], first_name="Ada", last_name="Byron", date_of_birth="1985-12-10"
    )
    from patients import services as patient_services

    monkeypatch.setattr(patient_services, "next_mrn", _taken_then_next(first.mrn))
    second = patient_create(
        actor=staff[Role.ADMIN], first_name="Alan", last_name="Turing", date_of_birth="1982-06-23"
    )
    assert second.mrn != first.mrn
    assert AuditEvent.objects.filter(object_id=second.pk, action="create").count() == 1


def _taken_then_next(taken):
    calls = []

    def next_mrn(clinic_id):
        calls.append(clinic_id)
        return taken if len(calls) == 1 else str(int(taken) + 1).zfill(len(taken))

    return next_mrn


def test_reconcile_finds_an_order_without_items_or_audit_and_nothing_when_whole(
    clinician, patient, catalogue, capsys, monkeypatch
):
    from core import reconcile

    monkeypatch.setattr(reconcile, "SETTLE", reconcile.SETTLE * 0)
    whole = lab_services.order_create(actor=clinician, patient=patient, tests=[catalogue[GLUCOSE]])
    call_command("reconcile")
    assert "0 half-written unit(s) found." in capsys.readouterr().out

    # What a crash on a database without transactions leaves: the order row alone.
    broken = LabOrder.objects.create(
        clinic_id=patient.clinic_id, patient=patient, ordered_by=clinician
    )
    with pytest.raises(SystemExit) as exit_code:
        call_command("reconcile")
    out = capsys.readouterr().out
    assert exit_code.value.code == 1
    assert f"labs.LabOrder {broken.pk}: no items" in out
    assert f"labs.LabOrder {broken.pk}: no audit row" in out
    assert str(whole.pk) not in out
    assert reconcile.reconcile_report() == 2


def test_the_replica_set_check_is_silent_on_sql():
    from core.checks import mongodb_transactions

    assert mongodb_transactions(databases=["default"]) == [] or connection.vendor == "mongodb"


@pytest.mark.skipif(connection.vendor != "mongodb", reason="a MongoDB-only warning")
def test_a_standalone_mongodb_gets_the_replica_set_warning():
    from core.checks import mongodb_transactions

    assert [w.id for w in mongodb_transactions(databases=["default"])] == ["core.W001"]
