"""JWT refresh tokens that the server can revoke (see RefreshTokenRecord)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import RefreshTokenRecord


class RecordedRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        RefreshTokenRecord.objects.create(
            jti=token[api_settings.JTI_CLAIM],
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

    def revoke(self) -> bool:
        """Revoke this token; False if it was already revoked (one conditional write, no race)."""
        return bool(
            RefreshTokenRecord.objects.filter(
                jti=self[api_settings.JTI_CLAIM], revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        )
