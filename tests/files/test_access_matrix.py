"""Who may reach which files page and endpoint: every one × every role × own / other clinic.

Reach comes first (another clinic's patient, note or file is 404 whatever the role; a patient
user does not see files that were not shared with them, nor a note not shared with them), then
the role table: the role's permission and the file's category (a receptionist reads ID/insurance
and consent files only, a lab technician lab reports; a file of another category is 403); a
note's files go with the note (roles that may not read notes: 403).
"""

import pytest

from core.roles import Role
from files import services
from patients.models import Patient
from tests.conftest import STAFF
from tests.files.factories import make_patient, png_bytes, stored_file, upload
from tests.notes.factories import install, make_note
from tests.patients.factories import portal_user

pytestmark = pytest.mark.django_db

A, C, N, R, L, P = (
    Role.ADMIN,
    Role.CLINICIAN,
    Role.NURSE,
    Role.RECEPTIONIST,
    Role.LAB_TECH,
    Role.PATIENT,
)
ALL_STAFF = {A, C, N, R, L}
CLINICAL = {A, C, N}
ROLES = [*STAFF, P]


def png(name="card.png"):
    return upload(name, png_bytes())


# method, path, body (a function: uploads are read once), roles allowed, roles that get 404
# (out of their reach) instead of 403. Writes that remove something come last.
API = [
    ("get", "/api/v1/files/categories/", None, ALL_STAFF | {P}, set()),
    ("get", "/api/v1/patients/{patient}/files/", None, ALL_STAFF | {P}, set()),
    (
        "post",
        "/api/v1/patients/{patient}/files/",
        lambda: {"file": png(), "category": "id_insurance"},
        CLINICAL | {R, P},
        set(),
    ),
    (
        "post",
        "/api/v1/patients/{patient}/files/",
        lambda: {"file": png(), "category": "lab_report"},
        CLINICAL | {L, P},
        set(),
    ),
    ("get", "/api/v1/notes/{note}/files/", None, CLINICAL, {P}),
    (
        "post",
        "/api/v1/notes/{note}/files/",
        lambda: {"file": png(), "category": "photo"},
        CLINICAL,
        {P},
    ),
    ("get", "/api/v1/files/{referral}/", None, CLINICAL, {P}),
    ("get", "/api/v1/files/{insurance}/", None, CLINICAL | {R}, {P}),
    ("get", "/api/v1/files/{lab}/", None, CLINICAL | {L}, {P}),
    ("get", "/api/v1/files/{shared}/", None, CLINICAL | {P}, set()),
    ("get", "/api/v1/files/{referral}/download", None, CLINICAL, {P}),
    ("get", "/api/v1/files/{shared}/download", None, CLINICAL | {P}, set()),
    ("get", "/api/v1/files/{referral}/preview", None, CLINICAL, {P}),
    ("patch", "/api/v1/files/{referral}/", lambda: {"title": "Renamed"}, CLINICAL, {P}),
    ("patch", "/api/v1/files/{shared}/", lambda: {"title": "Renamed"}, CLINICAL, set()),
    ("post", "/api/v1/files/{deleted}/restore", None, {A}, {P}),
    ("delete", "/api/v1/files/{insurance}/", None, {A, C}, {P}),
    ("delete", "/api/v1/files/{referral}/", None, {A}, {P}),
]

# HTML pages are for staff: a patient user is refused every one (403).
HTML = [
    ("get", "/files/", None, ALL_STAFF),
    ("get", "/files/patients/{patient}/", None, ALL_STAFF),
    (
        "post",
        "/files/patients/{patient}/upload/",
        lambda: {"files": png(), "category": "id_insurance"},
        CLINICAL | {R},
    ),
    (
        "post",
        "/files/notes/{note}/upload/",
        lambda: {"files": png(), "category": "photo"},
        CLINICAL,
    ),
    # A post without a file is answered by access first too (404 / 403), not by the form.
    ("post", "/files/patients/{patient}/upload/", lambda: {}, ALL_STAFF),
    ("post", "/files/notes/{note}/upload/", lambda: {"category": "photo"}, CLINICAL),
    ("get", "/files/upload/", None, ALL_STAFF),
    ("post", "/files/upload/", lambda: {"files": png(), "category": "consent"}, CLINICAL | {R}),
    ("get", "/files/{referral}/", None, CLINICAL),
    ("get", "/files/{insurance}/", None, CLINICAL | {R}),
    ("get", "/files/{lab}/", None, CLINICAL | {L}),
    ("get", "/files/{referral}/download/", None, CLINICAL),
    ("get", "/files/{referral}/preview/", None, CLINICAL),
    ("get", "/files/{referral}/edit/", None, CLINICAL),
    (
        "post",
        "/files/{referral}/edit/",
        lambda: {"title": "Renamed", "category": "referral"},
        CLINICAL,
    ),
    ("get", "/files/{referral}/delete/", None, {A}),
    ("post", "/files/{deleted}/restore/", None, {A}),
    ("get", "/files/categories/", None, {A}),
    ("post", "/files/categories/", lambda: {"label": "Dental", "slug": "dental"}, {A}),
    ("post", "/files/{insurance}/delete/", None, {A, C}),
]


def world(clinic, staff):
    """A patient with files of several categories, one shared with them, one deleted, and a
    signed note (not shared with them)."""
    admin, clinician = staff[A], staff[C]
    patient = make_patient(clinic)
    install(clinic)
    note = make_note(clinician, patient, signed=True)
    deleted = stored_file(admin, patient, name="old.pdf")
    services.file_delete(actor=admin, stored=deleted)
    files = {
        "referral": stored_file(admin, patient, name="referral.png", data=png_bytes()),
        "insurance": stored_file(
            clinician, patient, name="card.png", data=png_bytes(), category="id_insurance"
        ),
        "lab": stored_file(clinician, patient, name="lab.pdf", category="lab_report"),
        "shared": stored_file(clinician, patient, name="shared.pdf", shared_with_patient=True),
        "deleted": deleted,
    }
    return {
        "patient": patient,
        "ids": {"patient": patient.pk, "note": note.pk} | {k: v.pk for k, v in files.items()},
    }


@pytest.fixture
def here(clinic, staff):
    return world(clinic, staff)


@pytest.fixture
def there(other_clinic, other_staff):
    return world(other_clinic, other_staff)


def user_for(role, staff, here):
    return portal_user(here["patient"]) if role == P else staff[role]


def snippet(response) -> bytes:
    return b"" if response.streaming else response.content[:200]


def call(client, method, path, body, *, api: bool):
    data = body() if body else {}
    if method == "get":
        return client.get(path)
    if api and method == "patch":
        return client.patch(path, data, format="json")
    if api:
        return getattr(client, method)(path, data, format="multipart")
    return client.post(path, data)


@pytest.mark.parametrize("role", ROLES)
def test_api_role_table(api_as, staff, here, role):
    client = api_as(user_for(role, staff, here))
    for method, path, body, allowed, hidden in API:
        response = call(client, method, path.format(**here["ids"]), body, api=True)
        where = (role, method, path, snippet(response))
        if role in allowed:
            assert response.status_code in (200, 201, 204), where
        else:
            assert response.status_code == (404 if role in hidden else 403), where
            assert response.json()["detail"], where


@pytest.mark.parametrize("role", ROLES)
def test_api_other_clinics_files_are_404(api_as, staff, here, there, role):
    client = api_as(user_for(role, staff, here))
    for method, path, body, _allowed, _hidden in API:
        if "{" not in path:
            continue
        response = call(client, method, path.format(**there["ids"]), body, api=True)
        assert response.status_code == 404, (role, method, path, snippet(response))


@pytest.mark.parametrize("role", ROLES)
def test_html_role_table(client, staff, here, role):
    client.force_login(user_for(role, staff, here))
    for method, path, body, allowed in HTML:
        response = call(client, method, path.format(**here["ids"]), body, api=False)
        where = (role, method, path)
        if role in allowed:
            assert response.status_code in (200, 302), where
            if response.status_code == 302:
                assert "/accounts/login" not in response["Location"], where
        else:
            assert response.status_code == 403, where


@pytest.mark.parametrize("role", STAFF)
def test_html_other_clinics_files_are_404(client, staff, here, there, role):
    client.force_login(staff[role])
    for method, path, body, _allowed in HTML:
        if "{" not in path:
            continue
        response = call(client, method, path.format(**there["ids"]), body, api=False)
        assert response.status_code == 404, (role, method, path)


def test_patient_users_see_only_what_was_shared_with_them_or_they_uploaded(api_as, here):
    me = portal_user(here["patient"])
    client = api_as(me)
    mine = client.post(
        f"/api/v1/patients/{here['ids']['patient']}/files/",
        {"file": png("my-card.png"), "category": "id_insurance", "shared_with_patient": "false"},
        format="multipart",
    ).json()
    listed = client.get(f"/api/v1/patients/{here['ids']['patient']}/files/").json()["results"]
    assert {row["id"] for row in listed} == {here["ids"]["shared"], mine["id"]}


def test_an_archived_record_closes_its_files_to_the_patient(api_as, here, staff):
    client = api_as(portal_user(here["patient"]))
    path = f"/api/v1/files/{here['ids']['shared']}/"
    assert client.get(path).status_code == 200
    Patient.objects.filter(pk=here["patient"].pk).update(is_archived=True)
    assert client.get(path).status_code == 404
    assert client.get(f"{path}download").status_code == 404
    assert api_as(staff[Role.CLINICIAN]).get(path).status_code == 200  # staff still read it


# The categories each staff role reads (README, "Files").
READS = {A: "all", C: "all", N: "all", R: {"id_insurance", "consent"}, L: {"lab_report"}}


@pytest.mark.parametrize("role", STAFF)
def test_the_documents_of_one_category_are_those_the_role_reads(client, staff, here, role):
    """Filtered by a category the role reads, the list keeps to it; one it does not read is not
    offered, and the list ignores it as any malformed filter (the role's own files, no other)."""
    client.force_login(staff[role])
    of_category = {"referral": {"referral", "shared"}, "id_insurance": {"insurance"}}
    of_category["lab_report"] = {"lab"}
    for category in of_category:
        page = client.get("/files/", {"category": category}).content.decode()
        listed = {name for name, pk in here["ids"].items() if f"/files/{pk}/" in page}

        if READS[role] == "all" or category in READS[role]:
            assert listed == of_category[category], (role, category)
        else:
            readable = set().union(*(of_category.get(c, set()) for c in READS[role]))
            assert listed == readable, (role, category)


@pytest.mark.parametrize("role", STAFF)
def test_the_api_lists_a_category_only_to_a_role_that_reads_it(api_as, staff, here, role):
    client = api_as(staff[role])
    for category, key in [("referral", "referral"), ("id_insurance", "insurance")]:
        path = f"/api/v1/patients/{here['ids']['patient']}/files/"
        listed = {row["id"] for row in client.get(path, {"category": category}).json()["results"]}

        reads = READS[role] == "all" or category in READS[role]
        assert (here["ids"][key] in listed) == reads, (role, category)
        assert all(
            here["ids"][other] not in listed
            for other in ("lab", "insurance", "referral")
            if other != key
        )
