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
"""

import base64
import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.middleware import client_ip
from core.models import IdempotencyKey
from core.transactions import savepoint, unit

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
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


def _replay(row: IdempotencyKey):
    from django.http import HttpResponse

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
    """(row, None) when this request carries the key out; (None, response) otherwise.
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
            return None, _error(
                422,
                _("This Idempotency-Key was already used for a different request."),
                "idempotency_key_reused",
            )
        if row.state == State.DONE:
            return None, _replay(row)
        taken = IdempotencyKey.objects.filter(
            pk=row.pk, state=State.RUNNING, locked_until=row.locked_until, locked_until__lt=now
        ).update(locked_until=now + lease())
        if taken == 1:  # the worker that claimed it died: carry it out now
            row.locked_until = now + lease()
            return row, None
        return None, _error(
            409,
            _("A request with this Idempotency-Key is still being processed; retry shortly."),
            "idempotency_key_in_flight",
            Retry_After="1",
        )
    return None, _error(409, _("Please retry."), "idempotency_key_in_flight", Retry_After="1")


class TakenOver(Exception):
    """Another request took this key over while this one ran."""


class IdempotencyMiddleware:
    """Every POST under /api/ with an Idempotency-Key: once, and the same answer to retries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(META_KEY)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error(
                400,
                _("Idempotency-Key must be 1 to 255 printable characters."),
                "idempotency_key_invalid",
            )
        row, answer = _claim(scope=caller_scope(request), key=key, print_=fingerprint(request))
        if answer is not None:
            return answer
        ours = IdempotencyKey.objects.filter(
            pk=row.pk, state=State.RUNNING, locked_until=row.locked_until
        )
        try:
            with unit():
                response = self.get_response(request)
                kept = response.status_code == 201 and not response.streaming
                if kept and not ours.update(
                    state=State.DONE,
                    status_code=response.status_code,
                    headers={h: response[h] for h in KEPT_HEADERS if h in response},
                    body=base64.b64encode(response.content).decode("ascii"),
                ):
                    raise TakenOver  # ran past its lease: the writes are undone
        except TakenOver:
            return _error(
                409, _("This request took too long; retry it."), "idempotency_key_in_flight"
            )
        if not kept:  # nothing to replay: a retry runs again
            ours.delete()
        return response


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
        post["responses"].setdefault(
            "409", {"description": "A request with this Idempotency-Key is still running."}
        )
        post["responses"].setdefault(
            "422", {"description": "This Idempotency-Key was used for a different request."}
        )
    return result
