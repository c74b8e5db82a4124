from django.core.management import call_command

from accounts.models import User
from clinics.models import Clinic
from core.roles import Role


def test_seed_demo_creates_one_user_of_every_role_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Clinic.objects.filter(slug="demo-clinic").count() == 1
    clinic = Clinic.objects.get(slug="demo-clinic")
    roles = set(User.objects.filter(clinic=clinic).values_list("role", flat=True))
    assert roles == {Role.ADMIN, Role.CLINICIAN, Role.NURSE, Role.RECEPTIONIST, Role.LAB_TECH}
    assert User.objects.filter(is_superuser=True).count() == 1
    output = capsys.readouterr().out
    assert "admin@demo.clinic" in output and "demo-passport-2026" in output
    assert User.objects.get(email="nurse@demo.clinic").check_password("demo-passport-2026")


def test_seed_demo_prints_the_login_link_of_the_port_it_serves_on(db, capsys, settings):
    settings.SITE_URL = "http://127.0.0.1:8402"  # what `PORT=8402 make run` sets
    call_command("seed_demo", patients=3, program_enrolments=0)
    output = capsys.readouterr().out
    assert "http://127.0.0.1:8402/accounts/login/" in output
    assert "http://127.0.0.1:8402/admin/" in output
    assert ":8000" not in output
