"""An audit trail nobody can rewrite: hash chains per clinic checked by `verify_audit`,
users kept (deactivated) once the trail names them, widgets audited, refusals not views."""

import io
import time
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path

from accounts import audit_chain
from accounts.models import AuditChain, AuditEvent, User
from core import reconcile
from core.audit import audit
from core.roles import Role
from tests.conftest import atomic_units
from tests.factories import UserFactory
from tests.labs.factories import (
    audit_mark,
    install_catalogue,
    make_order,
    make_patient,
    make_result,
)


def raw_rows():
    """Writes that bypass the model's guards: what someone with database access could do."""
    return models.QuerySet(AuditEvent)


def write_rows(clinician, count=3):
    return [audit(actor=clinician, action="view", detail=f"row {n}") for n in range(count)]


def verify_output():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return False, err.getvalue() + str(exc)
    return True, out.getvalue()


# --- the hash chain ---------------------------------------------------------------------------
def test_sealed_rows_link_to_the_previous_row_of_their_clinic(clinician, other_admin):
    write_rows(clinician)
    write_rows(other_admin, 2)
    audit_chain.seal()
    rows = list(AuditEvent.objects.filter(clinic_id=clinician.clinic_id).order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == audit_chain.GENESIS
    for previous, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == previous.row_hash
    ok, report = verify_output()
    assert ok, report


def test_verify_audit_reports_a_row_edited_behind_the_applications_back(clinician):
    rows = write_rows(clinician, 4)
    audit_chain.seal()
    raw_rows().filter(pk=rows[2].pk).update(detail="nothing to see here")

    ok, report = verify_output()
    assert not ok
    assert rows[2].pk in report
    assert "changed" in report


def test_verify_audit_reports_a_deleted_row(clinician):
    rows = write_rows(clinician, 4)
    audit_chain.seal()
    models.QuerySet(AuditEvent).filter(pk=rows[1].pk)._raw_delete(using="default")

    ok, report = verify_output()
    assert not ok
    assert "missing" in report


def test_rows_written_after_a_seal_continue_the_chain(clinician):
    write_rows(clinician, 2)
    audit_chain.seal()
    write_rows(clinician, 2)
    ok, report = verify_output()  # verify seals what is pending first
    assert ok, report
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


def test_the_application_cannot_change_or_delete_rows(clinician):
    row = write_rows(clinician, 1)[0]
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=row.pk).update(detail="x")
    with pytest.raises(ValidationError):
        row.delete()


# --- actors are kept as text; users are deactivated, not deleted -----------------------------
def test_deleting_a_user_does_not_rewrite_their_audit_rows(clinician, db):
    leaver = UserFactory(clinic=clinician.clinic, role=Role.NURSE)
    row = audit(actor=leaver, action="view")
    leaver_id, leaver_email = leaver.pk, leaver.email
    audit_chain.seal()
    User.objects.filter(pk=leaver_id).delete()

    row = AuditEvent.objects.get(pk=row.pk)
    assert row.actor_id == leaver_id
    assert row.actor_label == leaver_email
    ok, report = verify_output()
    assert ok, report


def test_the_admin_will_not_delete_a_user_with_history(clinician, db):
    superuser = UserFactory(is_superuser=True, is_staff=True, clinic=None)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    admin = site._registry[User]
    fresh = UserFactory(clinic=clinician.clinic, role=Role.NURSE)
    assert admin.has_delete_permission(request, fresh)
    audit(actor=clinician, action="update", obj=fresh)
    assert not admin.has_delete_permission(request, fresh)
    admin.delete_queryset(request, User.objects.filter(pk=fresh.pk))
    assert User.objects.filter(pk=fresh.pk).exists()


# --- what is audited ----------------------------------------------------------------------------
def test_results_to_review_widget_audits_the_patients_it_shows(staff):
    from labs.selectors import review_widget

    clinician = staff[Role.CLINICIAN]
    tests = install_catalogue(clinician.clinic)
    patient = make_patient(clinician.clinic)
    make_result(patient, next(iter(tests.values())), value="999")
    mark = audit_mark()

    data = review_widget(actor=staff[Role.ADMIN])

    assert data["results"]
    rows = AuditEvent.objects.exclude(pk__in=mark)
    assert {r.patient_id for r in rows} == {patient.pk}
    assert {r.action for r in rows} == {"view"}


def test_a_refused_request_is_audited_as_refused_not_as_a_view(client, staff):
    receptionist = staff[Role.RECEPTIONIST]
    tests = install_catalogue(receptionist.clinic)
    patient = make_patient(receptionist.clinic)
    order = make_order(patient, tests=[next(iter(tests.values()))])
    client.force_login(receptionist)
    mark = audit_mark()

    response = client.get(f"/labs/orders/{order.pk}/results/")

    assert response.status_code == 403
    rows = list(AuditEvent.objects.exclude(pk__in=mark))
    assert [r.action for r in rows] == ["refused"]
    assert rows[0].patient_id == patient.pk
    assert rows[0].actor_id == receptionist.pk
    assert rows[0].detail == f"403 GET /labs/orders/{order.pk}/results/"  # what was tried


def test_a_404_for_a_signed_in_user_is_audited_as_refused(api_as, clinician, other_admin):
    mark = audit_mark()
    answer = api_as(clinician).get("/api/v1/patients/0123456789abcdef01234567")
    assert answer.status_code == 404
    rows = list(AuditEvent.objects.exclude(pk__in=mark))
    assert [r.action for r in rows] == ["refused"]
    assert "404" in rows[0].detail


def test_a_refused_path_with_a_nul_in_it_is_audited_as_every_backend_stores_text(client, clinician):
    """PostgreSQL refuses NUL in text: the row keeps the path with a replacement character."""
    client.force_login(clinician)
    mark = audit_mark()

    answer = client.post("/messages/settings/replies/%00/delete/")

    assert answer.status_code == 404
    (row,) = AuditEvent.objects.exclude(pk__in=mark)
    assert row.action == "refused"
    assert row.detail == "404 POST /messages/settings/replies/\ufffd/delete/"


def _refused_inside_a_unit(request, pk):
    """A service's unit that meets a refusal: its audit row is rolled back with the unit."""
    from django.db import transaction

    from core.access import get_in_reach
    from patients.models import Patient

    with transaction.atomic():
        patients = Patient.objects.all()
        get_in_reach(patients, actor=request.user, id=pk, permission="clinic.update", patient="")


urlpatterns = [
    path("refused-in-a-unit/<str:pk>/", _refused_inside_a_unit),
    *import_module(settings.ROOT_URLCONF).urlpatterns,  # the error page's links
]


@atomic_units
@pytest.mark.urls(__name__)
def test_a_refusal_inside_a_rolled_back_unit_keeps_its_audit_row(client, clinician, clinic):
    client.force_login(clinician)
    patient = make_patient(clinic)
    mark = audit_mark()

    answer = client.get(f"/refused-in-a-unit/{patient.pk}/")

    assert answer.status_code == 403
    (row,) = AuditEvent.objects.exclude(pk__in=mark)
    assert (row.action, row.object_id, row.patient_id) == ("refused", patient.pk, patient.pk)


def test_a_chain_another_sealer_holds_is_left_to_it(clinician):
    write_rows(clinician, 2)
    held = audit_chain._lease(clinician.clinic_id)  # another worker is sealing this clinic
    assert held is not None
    assert audit_chain.seal() == 0
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 2


def test_a_batch_is_sealed_in_runs_that_continue_one_chain(monkeypatch, clinician):
    monkeypatch.setattr(audit_chain, "WRITTEN_TOGETHER", 2)
    write_rows(clinician, 5)

    assert audit_chain.seal() == 5

    head = AuditChain.objects.get(pk=clinician.clinic_id)
    rows = list(AuditEvent.objects.filter(clinic_id=clinician.clinic_id).order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert (head.seq, head.head_hash, head.lease_until) == (5, rows[-1].row_hash, None)
    ok, report = verify_output()
    assert ok, report


@pytest.mark.django_db(transaction=True)  # inside a test's transaction the lock is held all along
def test_on_sqlite_the_sealer_leaves_the_write_lock_free_between_units(monkeypatch, clinician):
    """SQLite has one write lock, and a page waiting for it retries after sleeps of up to
    100 ms: a sealer taking it back at once kept the busiest pages waiting."""
    monkeypatch.setattr(audit_chain, "WRITTEN_TOGETHER", 2)
    pauses = []
    monkeypatch.setattr(
        audit_chain, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pauses.append)
    )
    write_rows(clinician, 5)

    assert audit_chain.seal() == 5

    if connection.vendor == "sqlite":
        assert len(pauses) == 2 and all(pause > 0 for pause in pauses)  # between the 3 units
    else:
        assert pauses == []  # MongoDB locks documents, not the database


def test_a_row_already_sealed_is_not_sealed_again(clinician):
    """How a sealer learns that another got there first, on every backend."""
    first, second = write_rows(clinician, 2)
    raw_rows().filter(pk=first.pk).update(seq=1, prev_hash=audit_chain.GENESIS, row_hash="a")
    for n, row in enumerate((first, second), start=7):
        row.seq, row.prev_hash, row.row_hash = n, "b", "c"

    assert audit_chain._write_seals([first, second]) == 1

    assert [r.seq for r in AuditEvent.objects.order_by("created_at", "id")] == [1, 8]


def test_rows_sealed_past_the_head_are_caught_up_with(clinician):
    """A sealer stopped between its rows and the chain's head, as on a MongoDB server with no
    transactions: the next one goes on after the rows, not from the head again."""
    write_rows(clinician, 3)
    audit_chain.seal()
    AuditChain.objects.filter(pk=clinician.clinic_id).update(seq=1, head_hash="")  # left behind
    write_rows(clinician, 2)

    assert audit_chain.seal() == 2

    assert AuditChain.objects.get(pk=clinician.clinic_id).seq == 5
    ok, report = verify_output()
    assert ok, report


@atomic_units
def test_a_sealer_that_fails_half_way_leaves_the_head_where_its_sealed_rows_end(
    monkeypatch, clinician
):
    monkeypatch.setattr(audit_chain, "WRITTEN_TOGETHER", 2)
    write_rows(clinician, 5)
    runs, write = [], audit_chain._write_seals

    def fails_on_the_second_run(rows):
        runs.append(rows)
        written = write(rows)
        if len(runs) == 2:  # written, then the process fails before its unit commits
            raise RuntimeError("worker lost")
        return written

    monkeypatch.setattr(audit_chain, "_write_seals", fails_on_the_second_run)
    with pytest.raises(RuntimeError):
        audit_chain.seal()

    assert AuditEvent.objects.filter(seq__isnull=False).count() == 2
    assert AuditChain.objects.get(pk=clinician.clinic_id).seq == 2
    monkeypatch.setattr(audit_chain, "_write_seals", write)
    ok, report = verify_output()  # the next seal goes on from there
    assert ok, report
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


@atomic_units
def test_a_sealer_whose_head_another_moved_writes_none_of_its_run(monkeypatch, clinician):
    """Its lease outlived, it read the head before its successor sealed rows: its numbers are
    taken, so it writes nothing."""
    rows = write_rows(clinician, 4)
    lease = audit_chain._lease

    def successor_seals_first(key):
        head = lease(key)
        AuditChain.objects.filter(pk=key).update(lease_until=None)
        monkeypatch.setattr(audit_chain, "_lease", lease)
        audit_chain._seal_chain(key, 2)  # the successor seals the two oldest
        return head  # the stale head, seq 0

    monkeypatch.setattr(audit_chain, "_lease", successor_seals_first)

    assert audit_chain._seal_chain(clinician.clinic_id, 10) == 0

    monkeypatch.undo()
    assert AuditChain.objects.get(pk=clinician.clinic_id).seq == 2
    assert set(AuditEvent.objects.filter(seq__isnull=True).values_list("pk", flat=True)) == {
        row.pk for row in rows[2:]
    }
    ok, report = verify_output()
    assert ok, report


@atomic_units
def test_a_run_another_sealer_reached_first_is_left_to_it(monkeypatch, clinician):
    """A sealer that outlived its lease finds a row of its run sealed by the next one: it
    writes none of that run, so the chain holds one row per place."""
    rows = write_rows(clinician, 3)
    digest = audit_chain.row_digest

    def another_sealer_meanwhile(row, **link):
        if row.pk == rows[1].pk:
            raw_rows().filter(pk=row.pk).update(seq=1, prev_hash=audit_chain.GENESIS)
        return digest(row, **link)

    monkeypatch.setattr(audit_chain, "row_digest", another_sealer_meanwhile)

    assert audit_chain.seal() == 0
    assert AuditEvent.objects.filter(seq__isnull=False).count() == 1
    assert AuditChain.objects.get(pk=clinician.clinic_id).seq == 0


@pytest.mark.django_db
def test_each_audit_index_serves_lookups_no_other_index_serves():
    """Every audited page writes its rows through each index of the table: none may begin with
    the same columns as another (a lookup by its first columns is served by the longer one)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    indexes = {
        tuple(column.split()[0] for column in c["columns"])  # ("created_at DESC",) on some
        for c in found.values()
        if c["index"] and not c["primary_key"] and c["columns"] != ["_id"]
    }
    assert {("actor_id", "created_at", "_id"), ("clinic_id", "created_at", "_id")} <= indexes
    repeated = {
        (short, long)
        for short in indexes
        for long in indexes
        if short != long and long[: len(short)] == short
    }
    assert not repeated


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the query plan is read on SQLite")
@pytest.mark.django_db
def test_reconcile_reads_create_rows_through_the_index_that_holds_only_them():
    """audit_object holds create rows only (reads, most rows, skip it): reconcile's lookup must
    still name the action for the index to serve it."""
    with CaptureQueriesContext(connection) as lookups:
        reconcile._audited("patients.Patient", ["6b1000000000000000000001"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + lookups.captured_queries[-1]["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "USING INDEX audit_object" in plan, plan
