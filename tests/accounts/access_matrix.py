"""The access matrix's machinery: an app's `test_access_matrix.py` is a table of Rows, one per
page or endpoint (and method), and asks each row as every role, in the clinic of the record the
row loads and in another clinic.

A row says the status an allowed role gets and which roles those are; every other answer follows
from the one access rule (core.access), so the table says only what differs between rows:
- the HTML pages for clinic staff (`@staff_page`) refuse a user who is not staff first: 403;
- a row that loads a record ("{id}" in its path) answers 404 when the record is outside the
  actor's reach: another clinic's, or (unless `patient_reach`) any record for a patient user;
- in reach, a role the row does not allow gets 403.
Rows that load no record answer by role alone, so they are asked in the actor's own clinic only.
"""

from collections.abc import Callable
from typing import NamedTuple

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.views.generic.edit import ProcessFormView

from core.roles import STAFF_ROLES, Role
from tests.conftest import bearer_client
from tests.factories import UserFactory

ROLES = [Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH, Role.PATIENT]
STAFF = frozenset(STAFF_ROLES)
EVERYONE = frozenset(ROLES)
ADMIN_ONLY = frozenset({Role.ADMIN})


class Row(NamedTuple):
    method: str
    path: str  # "{id}": the record the row loads
    ok: int  # what an allowed role gets
    allowed: frozenset = EVERYONE
    data: dict | Callable | None = None  # the body, or data(actor) -> body
    label: str = ""  # tells apart rows of the same method and path
    patient_reach: bool = False  # a patient user reaches the record (their own)

    @property
    def html(self) -> bool:
        return not self.path.startswith("/api/")

    @property
    def loads_record(self) -> bool:
        return "{id}" in self.path

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}{f' ({self.label})' if self.label else ''}"


def expected_status(row: Row, role: str, own_clinic: bool) -> int:
    if row.html and role not in STAFF and role not in row.allowed:
        return 403
    if row.loads_record and (not own_clinic or (role == Role.PATIENT and not row.patient_reach)):
        return 404
    return row.ok if role in row.allowed else 403


def cases(table: list[Row]) -> list:
    """(row, role, own_clinic, expected) for every row × role × clinic that means something."""
    return [
        pytest.param(row, role, own, expected_status(row, role, own), id=f"{role}-{where}-{row}")
        for row in table
        for role in ROLES
        for own, where in ((True, "own"), (False, "other"))
        if own or row.loads_record
    ]


def actor(role: str, clinic):
    return UserFactory(clinic=clinic, role=role)


def send(row: Row, user, record_id: str = ""):
    """The row's request, sent as `user` (a session for pages, a bearer token for the API)."""
    if row.html:
        client = Client()
        client.force_login(user)
        extra = {}
    else:
        client = bearer_client(user)
        extra = {"format": "json"}
    data = row.data(user) if callable(row.data) else row.data
    return getattr(client, row.method)(row.path.format(id=record_id), data or {}, **extra)


def assert_answer(row: Row, response, expected: int) -> None:
    """The expected status; a refusal says why (in JSON from the API)."""
    assert response.status_code == expected, response.content[:300]
    if expected in (403, 404) and not row.html:
        assert response.json()["detail"]


# --- every page and endpoint is in the table ---------------------------------------------------
def _patterns(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern)
        elif isinstance(pattern, URLPattern):
            yield pattern


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _methods(view) -> set[str]:
    """The HTTP methods a class-based view answers; function views say nothing here."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return set()
    methods = {
        m for m in view_class.http_method_names if m in HTTP_METHODS and hasattr(view_class, m)
    }
    if getattr(view_class, "put", None) is ProcessFormView.put:  # Django's form views: PUT = POST
        methods.discard("put")
    return methods


def missing_rows(table: list[Row], app: str) -> list[str]:
    """The app's URL patterns (and class-based views' methods) that no row asks about."""
    asked: dict = {}
    for row in table:
        view = resolve(row.path.format(id="0" * 24).split("?")[0]).func
        asked.setdefault(view, set()).add(row.method)
    missing = []
    for pattern in _patterns():
        view = pattern.callback
        if not view.__module__.startswith(f"{app}."):
            continue
        if view not in asked:
            missing.append(f"{pattern.name or pattern.pattern}")
        elif _methods(view) - asked[view]:
            missing.append(f"{pattern.name}: {sorted(_methods(view) - asked[view])}")
    return missing
