"""Every lab page: the roles that may not use it get 403 (receptionists on every page), another
clinic's patient, order, result or test is 404, and so are malformed ids."""

import pytest

from core.roles import Role
from labs import services
from labs.models import LabOrder, LabResult
from tests.labs import test_html_base as base
from tests.labs.test_html_base import GLUCOSE, add_result

catalogue, other_catalogue, login = base.catalogue, base.other_catalogue, base.login
patient, other_patient, lab_tech = base.patient, base.other_patient, base.lab_tech

A, C, N, R, L = Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH
VIEW = {A, C, N, L}
ORDER, ENTER, REVIEW, IMPORT, CATALOGUE = {A, C}, {A, N, L}, {A, C}, {A, L}, {A}
COLLECT = {A, C, N, L}

# (method, path with {patient}/{order}/{result}/{test}/{range}, roles allowed)
PAGES = [
    ("get", "/labs/orders/", VIEW),
    ("get", "/labs/orders/new/?patient={patient}", ORDER),
    ("post", "/labs/orders/new/?patient={patient}", ORDER),
    ("get", "/labs/orders/{order}/", VIEW),
    ("post", "/labs/orders/{order}/collect/", COLLECT),
    ("post", "/labs/orders/{order}/cancel/", ORDER),
    ("get", "/labs/orders/{order}/results/", ENTER),
    ("post", "/labs/orders/{order}/results/", ENTER),
    ("get", "/labs/patients/{patient}/results/new/", ENTER),
    ("post", "/labs/patients/{patient}/results/new/", ENTER),
    ("get", "/labs/patients/{patient}/tests/{test}/", VIEW),
    ("get", "/labs/results/{result}/", VIEW),
    ("get", "/labs/results/{result}/correct/", ENTER),
    ("post", "/labs/results/{result}/correct/", ENTER),
    ("post", "/labs/results/{result}/review/", REVIEW),
    ("get", "/labs/review/", REVIEW),
    ("get", "/labs/catalogue/", CATALOGUE),
    ("get", "/labs/catalogue/{test}/", CATALOGUE),
    ("post", "/labs/catalogue/{test}/", CATALOGUE),
    ("get", "/labs/catalogue/{test}/ranges/new/", CATALOGUE),
    ("get", "/labs/catalogue/{test}/ranges/{range}/", CATALOGUE),
    ("get", "/labs/catalogue/{test}/ranges/{range}/delete/", CATALOGUE),
    ("post", "/labs/catalogue/{test}/ranges/{range}/delete/", CATALOGUE),
    ("get", "/labs/import/", IMPORT),
    ("post", "/labs/import/", IMPORT),
]


def records(staff_of, patient, catalogue):
    test = catalogue[GLUCOSE]
    order = services.order_create(actor=staff_of[Role.CLINICIAN], patient=patient, tests=[test])
    result = add_result(staff_of[Role.LAB_TECH], patient, test, "90")
    return {
        "patient": patient.pk,
        "order": order.pk,
        "result": result.pk,
        "test": test.pk,
        "range": test.ranges.first().pk,
    }


def call(client, method, path):
    return client.get(path) if method == "get" else client.post(path, {})


@pytest.mark.parametrize("role", [A, C, N, R, L])
@pytest.mark.parametrize(("method", "path", "allowed"), PAGES)
def test_roles(login, staff, patient, catalogue, role, method, path, allowed):
    url = path.format(**records(staff, patient, catalogue))
    counts = (LabOrder.objects.count(), LabResult.objects.count())
    response = call(login(staff[role]), method, url)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403
        assert (LabOrder.objects.count(), LabResult.objects.count()) == counts


@pytest.mark.parametrize(("method", "path", "allowed"), [p for p in PAGES if "{" in p[1]])
def test_other_clinics_records_are_404(
    login, admin_user, other_staff, other_patient, other_catalogue, method, path, allowed
):
    url = path.format(**records(other_staff, other_patient, other_catalogue))
    counts = (LabOrder.objects.count(), LabResult.objects.count())
    assert call(login(admin_user), method, url).status_code == 404
    assert (LabOrder.objects.count(), LabResult.objects.count()) == counts


@pytest.mark.parametrize(("method", "path", "allowed"), [p for p in PAGES if "{" in p[1]])
@pytest.mark.parametrize("bad", ["nope", "x" * 80, "65f0c0ffee0000000000beef"])
def test_malformed_or_unknown_ids_are_404(
    login, admin_user, staff, patient, catalogue, method, path, allowed, bad
):
    ids = records(staff, patient, catalogue)
    for key in ids:
        if "{" + key + "}" in path:
            url = path.format(**{**ids, key: bad})
            assert call(login(admin_user), method, url).status_code == 404, url


def test_no_patient_given_is_404(login, clinician, catalogue):
    assert login(clinician).get("/labs/orders/new/").status_code == 404


def test_receptionist_sees_no_labs_nav_or_widget(login, staff):
    page = login(staff[Role.RECEPTIONIST]).get("/").content.decode()
    assert "/labs/" not in page and "Results to review" not in page
