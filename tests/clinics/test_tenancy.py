"""The tenancy helpers every app uses: other clinics' rows are unreachable, ids are opaque."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from clinics.tenancy import get_or_404, scope_to_clinic
from core.roles import PERMISSIONS, Role, can, require


def test_scope_shows_only_the_actors_clinic(staff, other_staff, admin_user):
    visible = set(scope_to_clinic(User.objects.all(), admin_user))
    assert visible == set(staff.values())


def test_users_without_a_clinic_see_nothing(db, staff):
    assert not scope_to_clinic(User.objects.all(), User(email="x@example.org")).exists()


@pytest.mark.parametrize("pk", ["", "abc", "../etc/passwd", "0" * 200, None, 42])
def test_malformed_or_unknown_ids_are_404(staff, admin_user, pk):
    with pytest.raises(Http404):
        get_or_404(scope_to_clinic(User.objects.all(), admin_user), pk)


def test_another_clinics_row_is_404_even_with_its_real_id(staff, other_admin, admin_user):
    with pytest.raises(Http404):
        get_or_404(scope_to_clinic(User.objects.all(), admin_user), other_admin.pk)
    assert get_or_404(scope_to_clinic(User.objects.all(), admin_user), admin_user.pk) == admin_user


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
