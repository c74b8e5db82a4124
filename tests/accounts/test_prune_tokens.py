import datetime

from django.core.management import call_command
from django.utils import timezone

from accounts.models import RefreshTokenRecord
from accounts.services import tokens_issue


def test_prune_forgets_only_expired_refresh_tokens(clinician, capsys):
    tokens_issue(user=clinician)
    tokens_issue(user=clinician)
    expired = RefreshTokenRecord.objects.filter(user=clinician).first()
    RefreshTokenRecord.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("prune_refresh_tokens")
    assert "Deleted 1 expired" in capsys.readouterr().out
    assert not RefreshTokenRecord.objects.filter(pk=expired.pk).exists()
    assert RefreshTokenRecord.objects.filter(user=clinician).count() == 1
