"""A new clinic signs up, logs in, brands itself and sees its colour and logo applied."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.accounts.signup import signup_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Lantern-orchard-73"


def png_bytes(colour=(200, 30, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_signup_login_and_rebrand(page, live_server, output_dir, mailbox):
    foreign_requests = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:"))
            else foreign_requests.append(request.url)
        ),
    )

    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@lakeside.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_label("Clinic name").fill("Lakeside Family Practice")
    page.get_by_role("button", name="Create clinic").click()
    page.wait_for_url("**/accounts/signup/sent/")
    page.goto(f"/accounts/signup/confirm/{signup_token(mailbox, 'grace@lakeside.example')}/")
    page.get_by_role("button", name="Create my clinic").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("nav")).to_contain_text("Lakeside Family Practice")

    page.get_by_role("button", name="Grace Hopper").click()  # the account menu holds Log out
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("E-mail").fill("GRACE@lakeside.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Grace Hopper" in page.content()

    page.goto("/clinic/settings/")
    page.get_by_label("Primary colour").fill("#7c3aed")
    page.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    page.goto("/")
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--hp-primary').trim()"
    )
    assert primary == "#7c3aed"
    navbar_background = page.evaluate(
        "getComputedStyle(document.querySelector('nav.navbar')).backgroundColor"
    )
    assert navbar_background == "rgb(124, 58, 237)"
    logo = page.locator("nav img.clinic-logo")
    logo.wait_for()
    assert page.evaluate("document.querySelector('nav img.clinic-logo').naturalWidth") == 64

    page.screenshot(path=str(output_dir / "staff-home.png"), full_page=True)
    assert foreign_requests == []
