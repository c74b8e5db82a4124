"""Passwords are stored with Argon2id; an older PBKDF2 hash is upgraded at the next login."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password

LOGIN = "/accounts/login/"
PASSWORD = "Correct-horse-battery-9"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = django_settings.PRODUCTION_PASSWORD_HASHERS


def test_a_new_password_is_stored_with_argon2id(production_hashers, clinician):
    clinician.set_password(PASSWORD)
    clinician.save()
    assert clinician.password.startswith("argon2$argon2id$v=19$m=47104,t=1,p=1$")


def test_an_old_pbkdf2_hash_still_signs_in_and_is_upgraded(production_hashers, client, clinician):
    clinician.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    clinician.save()

    response = client.post(LOGIN, {"username": clinician.email, "password": PASSWORD})

    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.password.startswith("argon2$argon2id$")
    assert clinician.check_password(PASSWORD)


def test_a_wrong_password_leaves_the_old_hash_alone(production_hashers, client, clinician):
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    clinician.password = old
    clinician.save()

    response = client.post(LOGIN, {"username": clinician.email, "password": "Wrong-password-1"})

    assert response.status_code == 200
    clinician.refresh_from_db()
    assert clinician.password == old
