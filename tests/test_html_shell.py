"""What every HTML page shares: security headers, cookies, error pages, local assets, labels."""

import html
import io
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from core.roles import Role
from tests.accounts.signup import html_signup

PUBLIC_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]
ADMIN_PAGES = [
    "/",
    "/clinic/settings/",
    "/clinic/staff/",
    "/clinic/staff/invite/",
    "/accounts/profile/",
    "/accounts/password_change/",
]
FORM_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password_reset/",
    "/clinic/settings/",
    "/clinic/staff/invite/",
    "/clinic/staff/",
    "/accounts/profile/",
    "/accounts/password_change/",
]
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Page(HTMLParser):
    """The parts of a page these tests look at."""

    def __init__(self, content: str):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.fields: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.h1 = 0
        self.feed(content)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for attribute in ("src", "href", "action", "srcset", "poster", "data"):
            if attrs.get(attribute) is not None:
                self.urls.append((tag, attribute, attrs[attribute]))
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag == "input" and attrs.get("type", "text") not in {"hidden", "submit", "button"}:
            self.fields.append({"tag": tag, **attrs})
        if tag in ("select", "textarea"):
            self.fields.append({"tag": tag, **attrs})
        if tag == "h1":
            self.h1 += 1

    handle_startendtag = handle_starttag


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def branded(clinic):
    """The clinic with a logo, so that the logo markup is on the pages too."""
    clinic.logo.save("logo.png", ContentFile(png()), save=True)
    return clinic


def all_pages(staff):
    return [*ADMIN_PAGES, f"/clinic/staff/{staff[Role.NURSE].pk}/"]


# --- security headers --------------------------------------------------------------------------
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_on_public_html_pages(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    for header, value in HEADERS.items():
        assert response[header] == value, header


def test_security_headers_on_logged_in_pages_and_errors(admin_web, client, staff, settings):
    settings.DEBUG = False
    responses = [admin_web.get(path) for path in all_pages(staff)]
    responses.append(admin_web.get("/no-such-page/"))
    nurse = Client()
    nurse.force_login(staff[Role.NURSE])
    responses.append(nurse.get("/clinic/settings/"))
    responses.append(admin_web.post("/accounts/profile/", {"name": "Ada", "phone": ""}))

    assert [r.status_code for r in responses][-3:] == [404, 403, 302]
    for response in responses:
        for header, value in HEADERS.items():
            assert response[header] == value, (response.request["PATH_INFO"], header)


# --- cookies -----------------------------------------------------------------------------------
def test_session_cookie_from_signup_is_http_only_and_same_site(client, db, mailbox):
    response = html_signup(
        client,
        mailbox,
        {
            "name": "Cookie Tester",
            "email": "cookie@example.org",
            "password": "Crumbly-biscuit-tin-88",
            "password_confirm": "Crumbly-biscuit-tin-88",
            "clinic_name": "Cookie Clinic",
        },
    )

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() in {"lax", "strict"}
    assert cookie["max-age"] == settings.SESSION_IDLE_MINUTES * 60


def test_csrf_cookie_is_http_only_on_form_pages(client, db):
    client.get("/accounts/signup/")
    assert client.cookies[settings.CSRF_COOKIE_NAME]["httponly"]


# --- error pages -------------------------------------------------------------------------------
def test_unknown_page_is_an_html_404_in_the_site_layout(admin_web, settings):
    settings.DEBUG = False

    response = admin_web.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = html.unescape(response.content.decode())
    assert "Page not found" in page
    assert "Riverside Clinic" in page  # the clinic's navbar
    assert 'action="/accounts/logout/"' in page
    assert "--hp-primary:" in page
    assert 'href="/"' in page


def test_unknown_page_for_an_anonymous_visitor_is_an_html_404(client, db, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Page not found" in page
    assert "Health Passport" in page
    assert 'action="/accounts/logout/"' not in page


def test_unknown_api_path_is_json_even_for_a_web_session(admin_web, settings):
    settings.DEBUG = False

    response = admin_web.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_404_from_a_view_uses_the_site_layout(admin_web, settings):
    settings.DEBUG = False
    response = admin_web.get("/clinic/staff/nope/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Riverside Clinic" in response.content.decode()


def test_403_page_uses_the_site_layout(client, staff, settings):
    settings.DEBUG = False
    client.force_login(staff[Role.RECEPTIONIST])

    response = client.get("/clinic/staff/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Not allowed" in page
    assert "Riverside Clinic" in page
    assert 'href="/"' in page


# --- only local assets -------------------------------------------------------------------------
def is_local(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver")


def assert_local_assets(path, response):
    assert response.status_code == 200, path
    page = Page(response.content.decode())
    foreign = [(tag, attr, url) for tag, attr, url in page.urls if not is_local(url)]
    assert foreign == [], (path, foreign)
    assets = [url for tag, attr, url in page.urls if tag in ("script", "link", "img")]
    assert any(url.endswith(".css") for url in assets), path
    assert any(url.endswith(".js") for url in assets), path
    static = "/" + settings.STATIC_URL.strip("/") + "/"
    for url in assets:
        if url.startswith(static):
            assert finders.find(url.removeprefix(static)), (path, url)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_load_only_local_assets(client, db, path):
    assert_local_assets(path, client.get(path))


def test_logged_in_pages_load_only_local_assets(admin_web, branded, staff):
    for path in all_pages(staff):
        response = admin_web.get(path)
        assert_local_assets(path, response)
        if path in ("/", "/clinic/settings/"):
            assert branded.logo.url in response.content.decode()


def test_the_local_asset_check_would_catch_another_host():
    """The checker itself: another host, absolute or protocol-relative, is not local."""
    assert not is_local("https://assets.example.net/npm/bootstrap.css")
    assert not is_local("//fonts.example.net/css")
    assert not is_local("javascript:alert(1)")
    assert is_local("/static/bootstrap/css/bootstrap.min.css")
    assert is_local("http://testserver/media/x.png")
    assert is_local("#main")


# --- accessibility -----------------------------------------------------------------------------
def assert_labelled(path, response):
    assert response.status_code == 200, path
    page = Page(response.content.decode())
    assert page.fields, f"{path} has no form fields"
    unlabelled = [
        field.get("name")
        for field in page.fields
        if not field.get("id") or field["id"] not in page.label_for
    ]
    assert unlabelled == [], (path, unlabelled)
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert duplicates == set(), (path, duplicates)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_field_on_public_forms_has_a_label(client, db, path):
    assert_labelled(path, client.get(path))


@pytest.mark.parametrize("path", [p for p in FORM_PAGES if p not in PUBLIC_PAGES])
def test_every_field_on_logged_in_forms_has_a_label(admin_web, branded, path):
    assert_labelled(path, admin_web.get(path))


def test_staff_detail_and_set_password_fields_have_labels(admin_web, staff, client, mailbox):
    assert_labelled("detail", admin_web.get(f"/clinic/staff/{staff[Role.NURSE].pk}/"))
    Client().post("/accounts/password_reset/", {"email": staff[Role.NURSE].email})
    body = mailbox.body(mailbox.messages[0])
    link = body[body.index("http://testserver/") :].split()[0].removeprefix("http://testserver")
    assert_labelled("set-password", Client().get(link, follow=True))


def test_fields_with_errors_are_announced(client, db):
    response = client.post("/accounts/signup/", {"email": "bad"})
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_email_error"' in page


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_have_one_heading_a_language_and_a_skip_link(client, db, path):
    content = client.get(path).content.decode()
    assert Page(content).h1 == 1
    assert '<html lang="en">' in content
    assert 'href="#main"' in content
    assert '<main id="main"' in content


def test_logged_in_pages_have_one_heading(admin_web, staff):
    for path in all_pages(staff):
        assert Page(admin_web.get(path).content.decode()).h1 == 1, path


# --- global navigation -------------------------------------------------------------------------
NAV_LINKS = {"Appointments": 'href="/appointments/"', "Documents": 'href="/files/"'}


@pytest.mark.parametrize(
    "role,shown",
    [
        (Role.ADMIN, {"Appointments", "Documents"}),
        (Role.CLINICIAN, {"Appointments", "Documents"}),
        (Role.NURSE, {"Appointments", "Documents"}),
        (Role.RECEPTIONIST, {"Appointments", "Documents"}),
        (Role.LAB_TECH, {"Documents"}),
    ],
)
def test_navigation_links_to_appointments_and_documents_by_role(client, staff, role, shown):
    client.force_login(staff[role])
    page = client.get("/").content.decode()
    nav = page[page.index('id="hp-nav"') : page.index("</nav>")]
    assert {name for name, link in NAV_LINKS.items() if link in nav} == shown
    for name in shown:  # each link leads to a page the role may open
        assert client.get(NAV_LINKS[name][6:-1]).status_code == 200


def test_appointments_pages_mark_their_navigation_link_once(client, staff):
    client.force_login(staff[Role.RECEPTIONIST])
    page = client.get("/appointments/today/").content.decode()
    nav = page[page.index('id="hp-nav"') : page.index("</nav>")]
    assert nav.count(NAV_LINKS["Appointments"]) == 1
    assert 'nav-link active" aria-current="true" href="/appointments/"' in nav  # its section


def test_every_page_of_its_own_fits_a_phone():
    """A template that is a whole page (not base.html's child: a note's print page) says so to
    a phone's browser, which otherwise lays it out 980 px wide and shrinks it."""
    root = Path(settings.BASE_DIR) / "templates"
    pages = [p for p in root.rglob("*.html") if "<!DOCTYPE html>" in p.read_text()]
    assert len(pages) > 1
    assert [
        str(p.relative_to(root))
        for p in pages
        if '<meta name="viewport" content="width=device-width, initial-scale=1">'
        not in p.read_text()
    ] == []
