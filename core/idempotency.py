"""Safe retries: an API POST sent with an `Idempotency-Key` header is carried out once.

A mobile client that lost the answer to a POST (timeout, dropped connection, killed app) sends
it again with the same key: it gets the first answer (status and body, `Idempotent-Replayed:
true`) instead of a second record. Keys belong to the caller (the user, or the client address
when anonymous) and are kept 24 hours (IDEMPOTENCY_KEY_HOURS), then pruned by `keys_prune`.

- same key, same method, path and body, first answer a 201 → that answer again;
- same key, different request → 422; same key still being carried out → 409 (Retry-After);
- the first answer was not a 201 (an error, a login) → nothing is kept: the retry runs again.

The key is claimed by an insert under a unique index (one winner, on every backend); the view
and the storing of its answer then run as one unit (core.transactions), so a worker killed at
any point leaves either both or neither. A claim whose worker died is taken over once its lease
(IDEMPOTENCY_LEASE_SECONDS) has passed; a request that outlived its lease finds its claim taken,
so its writes are undone (409) and only one of the two is kept. On MongoDB without a replica set
the unit is not atomic: a kill between the view's writes and the answer's storage can still
write twice.

This middleware applies to every POST under /api/, so new apps are covered without doing
anything. Multipart bodies (uploads) are recognised by type and length, not by their bytes,
so their uploads can stream to disk.

Staff pages get the same guarantee from their forms: each POST form is drawn with a `_submission`
key (`{% form_keys %}`, new on every drawing), which static/js/forms.js replaces with one kept
while the form's content stays the same, so a form the browser sends
again (a reload after a lost answer, a second click once the double-click guard has lifted)
lands on the first answer's page instead of saving twice. There a redirect is the answer that is
kept (every staff form redirects after it saves), and the refusals are pages, not JSON. A form is
not run as one unit with its key, as an API call is: that unit would hold SQLite's write lock
for the whole view (a provider's answer on an AI page). So a form whose worker died, or that
outlived its lease, may be carried out again by a later retry, as before there were keys.
"""

import base64
import hashlib
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import IntegrityError
from django.http import HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.middleware import client_ip
from core.models import IdempotencyKey
from core.transactions import savepoint, unit

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
FORM_FIELD = "_submission"  # a staff page's form's key ({% form_keys %}, static/js/forms.js)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_KEY_LENGTH = 255
KEPT_HEADERS = ("Content-Type", "Location")
State = IdempotencyKey.State


def kept_for() -> timedelta:
    return timedelta(hours=getattr(settings, "IDEMPOTENCY_KEY_HOURS", 24))


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_LEASE_SECONDS", 120))


def caller_scope(request) -> str:
    """Who is asking: the user a DRF authenticator (JWT or session) finds, else the address."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        user = _api_user(request)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"anon:{client_ip(request) or '-'}"


def _api_user(request):
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.exceptions import APIException
    from rest_framework.settings import api_settings

    for authenticator_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authenticator_class, SessionAuthentication):
            continue  # the session's user is request.user already
        try:
            found = authenticator_class().authenticate(request)
        except (APIException, ValueError):
            return None  # the view will refuse the credentials itself
        if found is not None:
            return found[0]
    return None


def fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        digest.update(f"multipart {request.META.get('CONTENT_LENGTH', '')}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _error(status: int, message: str, code: str, **headers) -> JsonResponse:
    response = JsonResponse({"detail": message, "code": code}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


REUSED, IN_FLIGHT, TOO_LONG = "idempotency_key_reused", "idempotency_key_in_flight", "too_long"


def _api_refusal(code: str) -> JsonResponse:
    if code == REUSED:
        message = _("This Idempotency-Key was already used for a different request.")
        return _error(422, message, code)
    if code == TOO_LONG:
        return _error(409, _("This request took too long; retry it."), IN_FLIGHT)
    return _error(
        409,
        _("A request with this Idempotency-Key is still being processed; retry shortly."),
        IN_FLIGHT,
        Retry_After="1",
    )


def _page_refusal(request, code: str) -> HttpResponse:
    """A staff form sent again: say what happened to the first one, in a page."""
    reused = code == REUSED
    if reused:
        message = _(
            "This form was already sent with other content. Open the page again and enter "
            "your change once more."
        )
    else:
        message = _(
            "This form is still being saved. Wait a moment, then open the page again to see "
            "the result before sending it again."
        )
    body = render_to_string("core/resubmitted.html", {"message": message}, request=request)
    return HttpResponse(body, status=422 if reused else 409)


def _replay(row: IdempotencyKey):
    response = HttpResponse(base64.b64decode(row.body), status=row.status_code)
    for name, value in row.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _now():
    """To the millisecond (what MongoDB keeps): `locked_until` is compared for equality."""
    now = timezone.now()
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def _claim(*, scope: str, key: str, print_: str):
    """(row, None) when this request carries the key out; otherwise (None, the row to replay)
    or (None, why it is refused).
    The claim's `locked_until` is also its token: whoever takes it over changes it."""
    now = _now()
    for _attempt in range(3):
        try:
            with savepoint():
                row = IdempotencyKey.objects.create(
                    scope=scope, key=key, fingerprint=print_, locked_until=now + lease()
                )
            return row, None
        except IntegrityError:
            pass
        row = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if row is None:
            continue  # pruned meanwhile: claim again
        if row.created_at < now - kept_for():
            IdempotencyKey.objects.filter(pk=row.pk, created_at=row.created_at).delete()
            continue
        if row.fingerprint != print_:
            return None, REUSED
        if row.state == State.DONE:
            return None, row
        taken = IdempotencyKey.objects.filter(
            pk=row.pk, state=State.RUNNING, locked_until=row.locked_until, locked_until__lt=now
        ).update(locked_until=now + lease())
        if taken == 1:  # the worker that claimed it died: carry it out now
            row.locked_until = now + lease()
            return row, None
        return None, IN_FLIGHT
    return None, IN_FLIGHT


class TakenOver(Exception):
    """Another request took this key over while this one ran."""


class IdempotencyMiddleware:
    """A POST carrying a key is carried out once, and retries get its answer: API calls with an
    Idempotency-Key header, staff pages' forms with their `_submission` field."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return self._api(request)
        key = _form_key(request)
        if not key:
            return self.get_response(request)
        outcome = self._once(
            request, scope=f"user:{request.user.pk}", key=key, kept=_redirects, atomic=False
        )
        if isinstance(outcome, IdempotencyKey):
            messages.info(request, _("This form had already been sent; it was not sent twice."))
            return _replay(outcome)
        return _page_refusal(request, outcome) if isinstance(outcome, str) else outcome

    def _api(self, request):
        key = request.META.get(META_KEY)
        if key is None:
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error(
                400,
                _("Idempotency-Key must be 1 to 255 printable characters."),
                "idempotency_key_invalid",
            )
        outcome = self._once(
            request, scope=caller_scope(request), key=key, kept=_created, atomic=True
        )
        if isinstance(outcome, IdempotencyKey):
            return _replay(outcome)
        return _api_refusal(outcome) if isinstance(outcome, str) else outcome

    def _once(self, request, *, scope: str, key: str, kept, atomic: bool):
        """The view's response, or the stored row to replay, or why the request is refused."""
        row, refusal = _claim(scope=scope, key=key, print_=fingerprint(request))
        if refusal is not None:
            return refusal
        ours = IdempotencyKey.objects.filter(
            pk=row.pk, state=State.RUNNING, locked_until=row.locked_until
        )
        try:
            with unit() if atomic else nullcontext():
                response = self.get_response(request)
                keep = kept(response) and not response.streaming
                if (
                    keep
                    and not ours.update(
                        state=State.DONE,
                        status_code=response.status_code,
                        headers={h: response[h] for h in KEPT_HEADERS if h in response},
                        body=base64.b64encode(response.content).decode("ascii"),
                    )
                    and atomic
                ):
                    raise TakenOver  # ran past its lease: the writes are undone
        except TakenOver:
            return TOO_LONG
        if not keep:  # nothing to replay: a retry runs again
            ours.delete()
        return response


def _created(response) -> bool:
    return response.status_code == 201


def _redirects(response) -> bool:
    """A staff form that saved redirects (post/redirect/get); a page shown again is not kept."""
    return response.status_code in (301, 302, 303)


def _form_key(request) -> str:
    """A signed-in user's form key; "" when there is none (or the body cannot be read, which
    the view will report as it always has)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith(FORM_TYPES) or not request.user.is_authenticated:
        return ""
    try:
        key = request.POST.get(FORM_FIELD, "").strip()
    except (BadRequest, SuspiciousOperation, MultiPartParserError, UnreadablePostError):
        return ""
    return key if len(key) <= MAX_KEY_LENGTH and key.isprintable() else ""


def keys_prune() -> int:
    """Forget keys older than IDEMPOTENCY_KEY_HOURS (a periodic task)."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - kept_for()
    ).delete()
    return deleted


# --- OpenAPI -------------------------------------------------------------------------------------
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": (
        "A unique value (e.g. a UUID) the client makes for this create and sends again with "
        "every retry of it. The same key with the same body within 24 hours returns the first "
        "201 answer (with `Idempotent-Replayed: true`) instead of creating twice; with a "
        "different body → 422; while the first is still running → 409 (retry after "
        "`Retry-After` seconds). Keys are scoped to the caller."
    ),
}


def schema_hook(result, generator, request, public):
    """drf-spectacular postprocessing: the reusable header on every POST that answers 201."""
    components = result.setdefault("components", {})
    components.setdefault("parameters", {})["IdempotencyKey"] = PARAMETER
    reference = {"$ref": "#/components/parameters/IdempotencyKey"}
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if not post or "201" not in post.get("responses", {}):
            continue
        post.setdefault("parameters", []).append(reference)
        _also_answers(post["responses"], "409", IN_FLIGHT_ANSWER)
        _also_answers(post["responses"], "422", REUSED_ANSWER)
    return result


IN_FLIGHT_ANSWER = (
    "A request with this Idempotency-Key is still running, or took too long (`code` "
    "`idempotency_key_in_flight`): retry it."
)
REUSED_ANSWER = (
    "This Idempotency-Key was used for a different request (`code` `idempotency_key_reused`)."
)
ERROR = {"$ref": "#/components/schemas/Error"}


def _also_answers(responses: dict, status: str, description: str) -> None:
    """Document the key's refusal (an Error body) beside what the operation answers with the
    same status (a 409 of duplicates or allergy conflicts): either body may come, and a
    generated client reads both (anyOf: a body of duplicates is an Error too)."""
    response = responses.get(status)
    if response is None:
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR}},
        }
        return
    own = response.get("description", "").rstrip(". ")
    response["description"] = f"{own}. Or: {description}" if own else description
    content = response.setdefault("content", {}).setdefault("application/json", {})
    schema = content.get("schema")
    if schema is None:
        content["schema"] = ERROR
    elif schema != ERROR and "anyOf" not in schema:
        content["schema"] = {"anyOf": [schema, ERROR]}
