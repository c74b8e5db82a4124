"""The admin's exact-match search fields ("=mrn", "=id", "=object_type") take the words typed
literally on both databases: on MongoDB `iexact` is a regular expression, and "+44", "(" or
"[x" made it invalid (a 500) while ".*" matched every row (core/mongodb escapes them)."""

import pytest

from accounts.models import AuditEvent
from core.roles import Role
from tests.notes.factories import install as install_notes
from tests.notes.factories import make_note
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
REGEX_WORDS = ["+44", "(", "?", "*", "[x", ".*", "^", "a|b", "\\"]
ADMINS = ["/admin/patients/patient/", "/admin/notes/note/", "/admin/accounts/auditevent/"]


@pytest.fixture
def records(clinic, staff):
    """Two patients, a note about one of them, and the audit rows their writing left."""
    install_notes(clinic)
    patient = PatientFactory(clinic=clinic, mrn="ab-1001")
    PatientFactory(clinic=clinic, mrn="AB-1002")
    note = make_note(staff[Role.CLINICIAN], patient)
    return patient, note


def found(client, url, words) -> list:
    response = client.get(url, {"q": words})
    assert response.status_code == 200, (url, words)
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("url", ADMINS)
@pytest.mark.parametrize("words", REGEX_WORDS)
def test_words_that_are_regular_expressions_match_literally(superuser_web, records, url, words):
    assert AuditEvent.objects.exists()
    assert found(superuser_web, url, words) == []


def test_exact_search_still_finds_the_mrn_the_id_and_the_record_type(superuser_web, records):
    patient, note = records

    assert found(superuser_web, ADMINS[0], "AB-1001") == [patient]  # any case, as before
    assert found(superuser_web, ADMINS[0], "ab-100") == []  # exact: not a part of it
    assert found(superuser_web, ADMINS[1], note.pk) == [note]
    assert found(superuser_web, ADMINS[1], patient.pk) == [note]
    rows = found(superuser_web, ADMINS[2], "notes.note")
    assert rows and {row.object_type for row in rows} == {"notes.Note"}
