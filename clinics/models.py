import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]
HEX_COLOUR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # followed by six hex digits, e.g. #0d6efd.")
)
# The booking policy is set in whole hours; a month is the longest that makes sense for either.
BOOKING_POLICY_MAX_HOURS = 24 * 30


def validate_logo(file):
    """Logos must be real PNG, JPEG or WebP images no larger than LOGO_MAX_BYTES."""
    from PIL import Image, UnidentifiedImageError

    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(_("The logo is larger than 2 MB."), code="file_too_large")
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The logo is not a valid image file."), code="invalid_image")
    finally:
        file.seek(0)
    if image_format not in {"PNG", "JPEG", "WEBP"}:
        raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="bad_format")


def logo_path(clinic, filename):
    """A new name for every upload, so browsers never show a cached old logo."""
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"clinics/{clinic.id}/logo-{secrets.token_hex(4)}.{extension}"


class Clinic(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    logo = models.ImageField(
        _("logo"),
        upload_to=logo_path,
        blank=True,
        validators=[
            FileExtensionValidator(["png", "jpg", "jpeg", "webp"]),
            validate_logo,
        ],
        help_text=_("PNG, JPEG or WebP, at most 2 MB."),
    )
    primary_color = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#0d6efd",
        validators=[HEX_COLOUR],
        help_text=_("Used for the navigation bar and buttons, e.g. #0d6efd."),
    )
    timezone = models.CharField(
        _("timezone"), max_length=64, choices=TIMEZONE_CHOICES, default="UTC"
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # The booking policy patients meet when they book or cancel themselves (staff are not bound).
    min_notice_hours = models.PositiveIntegerField(
        _("minimum notice for patients (hours)"),
        default=2,
        validators=[MaxValueValidator(BOOKING_POLICY_MAX_HOURS)],
        help_text=_("Patients cannot book a slot that starts sooner than this."),
    )
    cancel_cutoff_hours = models.PositiveIntegerField(
        _("cancellation cut-off for patients (hours)"),
        default=24,
        validators=[MaxValueValidator(BOOKING_POLICY_MAX_HOURS)],
        help_text=_("Patients cannot cancel online later than this before the start."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self):
        return self.name

    def clean(self):
        if self.primary_color:
            self.primary_color = self.primary_color.lower()
