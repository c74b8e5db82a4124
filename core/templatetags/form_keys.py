"""`{% form_keys %}`: the hidden fields every POST form of a staff page carries (a builtin tag,
settings.TEMPLATES, so no template loads it).

- the CSRF token, as `{% csrf_token %}` writes it;
- a `_submission` key made for this rendering of the form (core.idempotency): a form the browser
  sends twice without JavaScript (a double click, a reload after a lost answer) is saved once.
  With JavaScript, static/js/forms.js replaces it with a key that follows the form's content.

A fresh key each rendering is what makes it safe: never put a form inside `{% cache %}`, where
one key would serve every later post (tests/core/test_form_keys.py checks the templates).

`{% form_keys key=False %}`: the CSRF token alone, for a form whose repeat must run again (Log
out: sent again from a page kept in the browser's history after signing back in, a replay of the
first answer would leave the user signed in).
"""

import secrets

from django import template
from django.utils.html import format_html

from core.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag(takes_context=True)
def form_keys(context, key: bool = True) -> str:
    csrf_token = context.get("csrf_token")
    if not csrf_token or csrf_token == "NOTPROVIDED":  # a page rendered without a request
        return ""
    csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
    if not key:
        return csrf
    return csrf + format_html(
        '<input type="hidden" name="{}" value="{}">', FORM_FIELD, secrets.token_hex(16)
    )
