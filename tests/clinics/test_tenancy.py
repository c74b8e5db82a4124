"""The access call every app builds on (core.access), as clinics uses it for staff rows: other
clinics' rows are unreachable, ids are opaque, the role table decides the rest."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from core.access import get_in_reach, in_reach
from core.roles import PERMISSIONS, Role, can, require
from tests.factories import UserFactory


def reach(actor):
    return in_reach(User.objects.all(), actor=actor, patient=None)


def test_staff_reach_only_their_own_clinic(staff, other_staff, admin_user):
    assert set(reach(admin_user)) == set(staff.values())


def test_users_without_a_clinic_and_patients_reach_no_staff_row(db, staff, clinic):
    assert not reach(User(email="x@example.org")).exists()
    assert not reach(UserFactory(clinic=clinic, role=Role.PATIENT)).exists()


@pytest.mark.parametrize("pk", ["", "abc", "../etc/passwd", "0" * 200, None, 42])
def test_malformed_or_unknown_ids_are_404(staff, admin_user, pk):
    with pytest.raises(Http404):
        get_in_reach(User.objects.all(), actor=admin_user, id=pk, permission=None, patient=None)


def test_another_clinics_row_is_404_even_for_a_role_that_may_not(staff, other_admin, clinician):
    def get(user):
        return get_in_reach(
            User.objects.all(), actor=clinician, id=user.pk, permission="staff.view", patient=None
        )

    with pytest.raises(Http404):
        get(other_admin)  # 404 first: reach before the role
    with pytest.raises(PermissionDenied):
        get(staff[Role.ADMIN])  # in reach, but a clinician may not see staff records


def test_ids_are_opaque_24_character_strings(admin_user, other_admin):
    assert isinstance(admin_user.pk, str) and len(admin_user.pk) == 24
    assert admin_user.pk != other_admin.pk


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
@pytest.mark.parametrize("role", list(Role))
def test_require_follows_the_permission_table(staff, role, permission, db):
    user = staff.get(role.value) or User(email="p@example.org", role=role)
    allowed = role in PERMISSIONS[permission]
    assert can(user, permission) is allowed
    if allowed:
        require(user, permission)
    else:
        with pytest.raises(PermissionDenied):
            require(user, permission)


def test_inactive_users_may_do_nothing(admin_user):
    admin_user.is_active = False
    assert not can(admin_user, "clinic.update")


def test_a_misspelt_permission_fails_loudly(admin_user):
    with pytest.raises(KeyError):
        can(admin_user, "clinic.updaet")
