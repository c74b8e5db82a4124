"""A clinic's AI settings: whether the external provider may be used, and which features are on."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class Feature(models.TextChoices):
    SUMMARY = "summary", _("Chart summary")
    NOTE_DRAFT = "note_draft", _("Note drafts")
    TRIAGE = "triage", _("Message triage")
    EXPLAIN = "explain", _("Plain-language results")


ALL_FEATURES = [feature.value for feature in Feature]


def all_features() -> list[str]:
    return list(ALL_FEATURES)


class AiSettings(BaseModel):
    """One row per clinic (created on first use). Off by default: no patient data leaves the
    deployment until a clinic admin switches the external provider on."""

    clinic = models.OneToOneField("clinics.Clinic", models.CASCADE, related_name="+")
    external_enabled = models.BooleanField(_("use the external AI provider"), default=False)
    features = models.JSONField(_("features"), default=all_features, blank=True)
    updated_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("AI settings")
        verbose_name_plural = _("AI settings")

    def __str__(self):
        return f"AI settings of {self.clinic_id}"
