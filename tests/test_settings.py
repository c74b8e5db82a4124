"""Settings come from the environment: production defaults are safe, mistakes stop start-up."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "ENV_FILE": "",
    "DJANGO_SETTINGS_MODULE": "health_passport.settings",
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "passport.example.org",
    "SITE_URL": "https://passport.example.org",
}
KEEP = ("PATH", "HOME", "LANG", "SYSTEMROOT")


def run(args, **env):
    """Run with the production environment plus `env`; a value of None unsets that variable."""
    clean = {k: v for k, v in os.environ.items() if k in KEEP}
    merged = {k: v for k, v in {**clean, **PRODUCTION, **env}.items() if v is not None}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=merged,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(*names, **env) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: str(getattr(settings, n, None)) for n in {list(names)!r}}}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "django-insecure-abc",
        "short-secret",
        "dev-only-insecure-secret-key-do-not-use-in-production-0123456789",
    ],
)
def test_production_refuses_to_start_without_a_strong_secret(secret):
    result = run(["manage.py", "check"], SECRET_KEY=secret)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr.split("ImproperlyConfigured")[-1]


def test_a_fresh_checkout_is_a_development_machine():
    """No environment at all (as CI's `manage.py makemigrations --check`): development mode."""
    values = settings_of("DEBUG", "ENVIRONMENT", DEBUG=None, SECRET_KEY=None)
    assert values == {"DEBUG": "True", "ENVIRONMENT": "development"}


def test_environment_production_turns_debug_off_and_refuses_it_on():
    assert settings_of("DEBUG", ENVIRONMENT="production", DEBUG=None)["DEBUG"] == "False"
    result = run(["manage.py", "check"], ENVIRONMENT="production", DEBUG="True")
    assert result.returncode != 0
    assert "DEBUG=True with ENVIRONMENT=production" in result.stderr


def test_https_settings_are_on_by_default_in_production():
    values = settings_of(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_HTTPONLY",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "True",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "SESSION_COOKIE_HTTPONLY": "True",
    }


def test_each_https_setting_can_be_switched_off_behind_a_tls_proxy():
    values = settings_of(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        SECURE_SSL_REDIRECT="False",
        SECURE_HSTS_SECONDS="0",
        SECURE_PROXY_SSL_HEADER="True",
    )
    assert values["SECURE_SSL_REDIRECT"] == "False"
    assert values["SECURE_HSTS_SECONDS"] == "0"
    assert "HTTP_X_FORWARDED_PROTO" in values["SECURE_PROXY_SSL_HEADER"]


def test_email_url_wins_over_the_seed_smtp_variables():
    both = settings_of(
        "EMAIL_HOST",
        "EMAIL_PORT",
        EMAIL_URL="smtp://mailer.example.org:2525",
        SMTP_HOST="seed.example.org",
        SMTP_PORT="25",
    )
    assert both == {"EMAIL_HOST": "mailer.example.org", "EMAIL_PORT": "2525"}
    seed_only = settings_of(
        "EMAIL_HOST",
        "EMAIL_HOST_USER",
        "OUTBOX_EMAIL_BACKEND",
        SMTP_HOST="seed.example.org",
        SMTP_USER="u",
    )
    assert seed_only["EMAIL_HOST"] == "seed.example.org"
    assert seed_only["EMAIL_HOST_USER"] == "u"
    # Mail goes through the outbox; its worker sends with what the variables configured.
    assert seed_only["OUTBOX_EMAIL_BACKEND"].endswith("smtp.EmailBackend")


def test_seed_names_for_jwt_and_cors_are_honoured():
    values = settings_of(
        "SIMPLE_JWT",
        "CORS_ALLOWED_ORIGINS",
        JWT_SECRET_KEY="k" * 64,
        JWT_ALGORITHM="HS512",
        ACCESS_TOKEN_EXPIRE_MINUTES="7",
        BACKEND_CORS_ORIGINS="https://app.example.org",
    )
    assert "'ALGORITHM': 'HS512'" in values["SIMPLE_JWT"]
    assert "'ACCESS_TOKEN_LIFETIME': datetime.timedelta(seconds=420)" in values["SIMPLE_JWT"]
    assert "'SIGNING_KEY': '" + "k" * 64 in values["SIMPLE_JWT"]
    assert values["CORS_ALLOWED_ORIGINS"] == "['https://app.example.org']"


def test_env_example_lists_every_variable_the_settings_read():
    read = set(
        re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (ROOT / "health_passport/settings.py").read_text())
    )
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - {"ENV_FILE"} <= listed, f"missing from .env.example: {read - listed}"


def test_no_template_loads_anything_from_another_host():
    pattern = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_a_script_may_import_the_api_kit_before_anything_else():
    """A management script or a job that loads a serializer first: DRF's views module reads
    core.api's parser and negotiation classes as it loads, so core.api may not load it first."""
    result = run(["-c", "import django; django.setup(); import core.api, patients.serializers"])
    assert result.returncode == 0, result.stderr


def test_with_a_shared_cache_every_worker_process_counts_the_same_login_failures(redis_url):
    """Each gunicorn worker is a process: the README's CACHE_URL=redis://… makes the per-address
    failure limit one count for all of them (local memory would keep one count per process)."""
    fail_once = (
        "import django; django.setup(); from django.test import RequestFactory; "
        "from accounts.auth import ip_failure_record, ip_is_throttled; "
        "request = RequestFactory().post('/', REMOTE_ADDR='203.0.113.7'); "
        "ip_failure_record(request); print(ip_is_throttled(request))"
    )
    shared = {"CACHE_URL": redis_url, "LOGIN_IP_FAILURE_LIMIT": "2"}
    answers = [run(["-c", fail_once], **shared) for _worker in range(2)]
    assert [a.stdout.strip() for a in answers] == ["False", "True"], answers[-1].stderr
    alone = run(["-c", fail_once], LOGIN_IP_FAILURE_LIMIT="2")  # the local-memory default
    assert alone.stdout.strip() == "False", alone.stderr
