import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clinics.locales import (
    COUNTRY_CHOICES,
    LOCALE_CHOICES,
    country_for_timezone,
    locale_for_country,
    zone_region,
)
from core.models import (
    BaseModel,
    BoundedTextField,
    validate_no_bidi_controls,
    validate_phone_text,
)

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]
HEX_COLOUR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # followed by six hex digits, e.g. #0d6efd.")
)
# The booking policy is set in whole hours; a month is the longest that makes sense for either.
BOOKING_POLICY_MAX_HOURS = 24 * 30


# A logo is refused beyond this many pixels a side (a small file can hold a huge image), and
# stored scaled down to LOGO_STORED_SIDE (clinics.services.logo_reencoded): shown on every page.
LOGO_MAX_SIDE = 4096
LOGO_STORED_SIDE = 512


def validate_logo(file):
    """Logos must be real PNG, JPEG or WebP images no larger than LOGO_MAX_BYTES and
    LOGO_MAX_SIDE pixels a side."""
    from PIL import Image, UnidentifiedImageError

    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(_("The logo is larger than 2 MB."), code="file_too_large")
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size  # from the header: nothing is decoded yet
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The logo is not a valid image file."), code="invalid_image")
    finally:
        file.seek(0)
    if image_format not in {"PNG", "JPEG", "WEBP"}:
        raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="bad_format")
    if max(width, height) > LOGO_MAX_SIDE:
        raise ValidationError(
            _("The logo is %(width)s×%(height)s pixels; at most %(max)s a side is accepted.")
            % {"width": width, "height": height, "max": LOGO_MAX_SIDE},
            code="too_many_pixels",
        )


def logo_path(clinic, filename):
    """A new name for every upload, so browsers never show a cached old logo."""
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"clinics/{clinic.id}/logo-{secrets.token_hex(4)}.{extension}"


class MfaPolicy(models.TextChoices):
    OFF = "off", _("Optional for everyone")
    ADMINS = "admins", _("Required for clinic admins")
    STAFF = "staff", _("Required for all staff")


class Clinic(BaseModel):
    name = models.CharField(_("name"), max_length=200, validators=[validate_no_bidi_controls])
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
    # Blank until set: then the timezone decides (see clinics.locales).
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        choices=COUNTRY_CHOICES,
        help_text=_(
            "ISO 3166 code, e.g. GB; phone numbers without a country code are read as "
            "this country's."
        ),
    )
    locale = models.CharField(
        _("date format"),
        max_length=8,
        blank=True,
        choices=LOCALE_CHOICES,
        help_text=_("How dates and times are written on every page and e-mail."),
    )
    address = BoundedTextField(_("address"), max_length=500, blank=True)
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, validators=[validate_phone_text]
    )
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
    # Who must use two-factor authentication (accounts.mfa); off for a new clinic.
    mfa_policy = models.CharField(
        _("two-factor authentication"),
        max_length=10,
        choices=MfaPolicy.choices,
        default=MfaPolicy.OFF,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self):
        return self.name

    @property
    def country_code(self) -> str:
        """The clinic's country, or the one its timezone is in ("" when neither says)."""
        return self.country or country_for_timezone(self.timezone)

    @property
    def locale_code(self) -> str:
        """The clinic's locale for dates and times, or the natural one for its country (or its
        timezone's region, listed country or not)."""
        return self.locale or locale_for_country(self.country or zone_region(self.timezone))

    def clean(self):
        if self.primary_color:
            self.primary_color = self.primary_color.lower()
        self.country = (self.country or "").upper()
