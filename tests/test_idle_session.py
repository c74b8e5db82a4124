"""The idle timeout costs one session write per refresh window, not one per page
(core.sessions.IdleSessionRefreshMiddleware)."""

from django.contrib.sessions.models import Session

PAGE = "/patients/"


def test_pages_within_the_window_leave_the_session_and_its_cookie_alone(admin_web, settings):
    admin_web.get(PAGE)  # the first page after signing in stamps the session once
    expiry = Session.objects.get().expire_date

    response = admin_web.get(PAGE)

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get().expire_date == expiry


def test_a_page_after_the_window_pushes_the_idle_expiry_out(admin_web, settings):
    settings.SESSION_REFRESH_SECONDS = 0  # every page is a window later
    admin_web.get(PAGE)
    expiry = Session.objects.get().expire_date

    response = admin_web.get(PAGE)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_IDLE_MINUTES * 60
    assert Session.objects.get().expire_date >= expiry


def test_an_api_token_request_creates_no_session(admin_api):
    response = admin_api.get("/api/v1/patients/")

    assert response.status_code == 200
    assert not Session.objects.exists()


def test_signing_out_leaves_no_session_behind(admin_web):
    admin_web.get(PAGE)

    admin_web.post("/accounts/logout/")

    assert not Session.objects.exists()
    assert admin_web.get(PAGE).status_code == 302  # back to the sign-in page
