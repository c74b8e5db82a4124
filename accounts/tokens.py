"""JWT tokens that the server can revoke (see RefreshTokenRecord).

Each login starts a token *family*: the refresh token and every token rotated from it share a
`fam` claim, copied into the access tokens issued with them, and carry the user's
`token_generation` as `gen`. Logout revokes the family (access tokens included); a rotated token
presented again revokes the family too (someone else holds a copy); deactivation and
reactivation advance the generation. accounts.auth.JWTAuthentication checks both on every call.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import RefreshTokenRecord
from core.models import new_id

FAMILY_CLAIM = "fam"
GENERATION_CLAIM = "gen"


class RecordedRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user, family: str = ""):
        token = super().for_user(user)
        token[FAMILY_CLAIM] = family or new_id()
        token[GENERATION_CLAIM] = user.token_generation
        RefreshTokenRecord.objects.create(
            jti=token[api_settings.JTI_CLAIM],
            family=token[FAMILY_CLAIM],
            user=user,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        return token

    def verify(self, *args, **kwargs):
        super().verify(*args, **kwargs)
        if not RefreshTokenRecord.objects.filter(
            jti=self[api_settings.JTI_CLAIM], revoked_at__isnull=True
        ).exists():
            raise TokenError(_("Token is revoked."))

    @property
    def family(self) -> str:
        return self.get(FAMILY_CLAIM, "")

    def revoke(self) -> bool:
        """Revoke this token; False if it was already revoked (one conditional write, no race)."""
        return bool(
            RefreshTokenRecord.objects.filter(
                jti=self[api_settings.JTI_CLAIM], revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        )


def family_revoke(family: str) -> int:
    """Revoke every live token of a family: its refresh tokens and, with them, its access
    tokens (which are only accepted while their family has a live refresh token)."""
    if not family:
        return 0
    return RefreshTokenRecord.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def family_is_live(family: str) -> bool:
    return RefreshTokenRecord.objects.filter(family=family, revoked_at__isnull=True).exists()
