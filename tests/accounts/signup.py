"""Signing up as a person does: ask, read the e-mail, follow its link (or send its code)."""

import re

AUTH = "/api/v1/auth"
CONFIRM_LINK = re.compile(r"http://testserver/accounts/signup/confirm/([\w-]+)/")


def mail_to(mailbox, email):
    """The messages the SMTP server received for `email`."""
    return [m for m in mailbox.messages if email.lower() in m.envelope_recipients]


def signup_token(mailbox, email) -> str:
    """The code of the last sign-up link mailed to `email`."""
    (*_earlier, message) = mail_to(mailbox, email)
    match = CONFIRM_LINK.search(mailbox.body(message))
    assert match, mailbox.body(message)
    return match.group(1)


def api_signup(api_client, mailbox, body):
    """Sign up through the API and confirm with the mailed code: the 201 with the tokens."""
    asked = api_client.post(f"{AUTH}/signup", body, format="json")
    assert asked.status_code == 202, asked.content
    token = signup_token(mailbox, body["email"])
    return api_client.post(f"{AUTH}/signup/confirm", {"token": token}, format="json")


def html_signup(client, mailbox, data):
    """Sign up with the HTML form and follow the mailed link: the answer to "Create my clinic"."""
    asked = client.post("/accounts/signup/", data)
    assert (asked.status_code, asked["Location"]) == (302, "/accounts/signup/sent/"), asked
    token = signup_token(mailbox, data["email"])
    return client.post(f"/accounts/signup/confirm/{token}/")
