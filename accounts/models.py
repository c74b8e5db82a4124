from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.language import LANGUAGE_CHOICES
from core.models import (
    BaseModel,
    ChoiceLabels,
    new_id,
    validate_no_bidi_controls,
    validate_phone_text,
)
from core.roles import STAFF_ROLES, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """E-mail addresses are unique case-insensitively, so they are stored lower-case."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_superuser=True, is_staff=True, is_verified=True)
        fields.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **fields)


class User(BaseModel, AbstractBaseUser):
    """A person who logs in: clinic staff, a patient, or a platform superuser.

    No Django groups or per-user permissions: roles (core.roles) decide what staff may do,
    and only superusers use the admin, which keeps the model free of many-to-many tables.
    """

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150, validators=[validate_no_bidi_controls])
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, validators=[validate_phone_text]
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    clinic = models.ForeignKey(
        "clinics.Clinic",
        verbose_name=_("clinic"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        db_index=False,
    )
    # Blank: the clinic's language (accounts.language decides what is shown).
    language = models.CharField(
        _("language"), max_length=8, blank=True, default="", choices=LANGUAGE_CHOICES
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_verified = models.BooleanField(_("e-mail verified"), default=False)
    is_staff = models.BooleanField(
        _("platform staff"), default=False, help_text=_("May log in to the Django admin.")
    )
    is_superuser = models.BooleanField(_("platform superuser"), default=False)
    # Every API token carries the generation it was issued in; deactivation and reactivation
    # advance it, so nothing issued before works again (accounts.auth.JWTAuthentication).
    token_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["clinic", "role"], name="user_clinic_role")]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def clean(self):
        self.email = User.objects.normalize_email(self.email)
        if self.role in STAFF_ROLES and not self.clinic_id and not self.is_superuser:
            raise ValidationError({"clinic": _("Clinic staff must belong to a clinic.")})

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF_ROLES and self.clinic_id is not None

    def _get_session_auth_hash(self, secret=None):
        """Web sessions end with the token generation too (deactivation, reactivation)."""
        if not self.token_generation:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "accounts.User.session_auth_hash"
        value = f"{self.password}:{self.token_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    # The admin asks these; only platform superusers get in.
    def has_perm(self, perm, obj=None):
        return self.is_active and self.is_superuser

    def has_module_perms(self, app_label):
        return self.is_active and self.is_superuser


class AuditEventQuerySet(models.QuerySet):
    """Bulk edits would bypass the row-level guard below, so they are refused too."""

    def update(self, **kwargs):
        raise ValidationError(_("Audit events cannot be changed."))

    def delete(self):
        raise ValidationError(_("Audit events cannot be deleted."))


class AuditEvent(ChoiceLabels, models.Model):
    """One append-only row per read or write of sensitive data, login and staff change."""

    class Action(models.TextChoices):
        VIEW = "view", _("view")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        EXPORT = "export", _("export")
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGOUT = "logout", _("logout")
        SIGNUP = "signup", _("signup")
        PASSWORD_CHANGE = "password_change", _("password change")
        PASSWORD_RESET_REQUEST = "password_reset_request", _("password reset requested")
        PASSWORD_RESET = "password_reset", _("password reset")
        INVITE = "invite", _("invitation")
        TOKEN_REUSE = "token_reuse", _("refresh token reused (suspected theft)")
        UNLOCK = "unlock", _("login lockout cleared")
        REFUSED = "refused", _("refused")
        MFA_ENROL = "mfa_enrol", _("two-factor enrolled")
        MFA_RESET = "mfa_reset", _("two-factor reset")
        MFA_FAILED = "mfa_failed", _("wrong two-factor code")

    id = models.CharField(
        primary_key=True, max_length=24, default=new_id, editable=False, db_column="_id"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Neither link is ever rewritten (no SET_NULL, no database constraint): the actor's id and
    # e-mail stay as written even if the user or clinic is later removed or renamed. Neither has
    # an index of its own: the indexes below that begin with it serve its lookups, and every
    # audited page writes its rows through each index (two fewer: a 25-row write ~11 % faster).
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor e-mail"), max_length=254, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=20, blank=True)
    clinic = models.ForeignKey(
        "clinics.Clinic",
        verbose_name=_("clinic"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    patient_id = models.CharField(_("patient id"), max_length=24, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The clinic's hash chain (accounts.audit_chain): filled once by the sealing step, in order.
    seq = models.PositiveBigIntegerField(_("sequence"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(_("previous row's hash"), max_length=64, blank=True)
    row_hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # The trail and the access log read newest first with the id breaking ties (-created_at,
        # -id): the id ends each time index, or MongoDB sorts a page's rows in memory.
        indexes = [
            models.Index(fields=["clinic", "-created_at", "-id"], name="audit_clinic_time"),
            # The audit trail page's action filter (accounts.selectors.audit_trail_page); each
            # write lands at the newest end of its action's run, so it costs little.
            models.Index(
                fields=["clinic", "action", "-created_at", "-id"], name="audit_clinic_action"
            ),
            models.Index(fields=["patient_id", "-created_at", "-id"], name="audit_patient_time"),
            models.Index(fields=["actor", "-created_at", "-id"], name="audit_actor_time"),
            models.Index(fields=["clinic", "seq"], name="audit_clinic_seq"),
            models.Index(fields=["seq", "created_at"], name="audit_unsealed"),
            # manage.py reconcile looks up the create row of each record it checks; the reads,
            # most rows, are left out of it (a 25-row write of reads: 2.0 → 1.7 ms on SQLite).
            models.Index(
                fields=["object_type", "object_id"],
                condition=models.Q(action="create"),
                name="audit_object",
            ),
        ]

    def __str__(self):
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
        )

    def save(self, *args, **kwargs):
        """Append-only: a stored audit row is never rewritten."""
        if not self._state.adding:
            raise ValidationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit events cannot be deleted."))


class AuditChain(models.Model):
    """The head of one clinic's audit hash chain ("" for rows of no clinic), advanced only by
    the sealing step, which holds `lease_until` (a compare-and-set lease) while it works."""

    key = models.CharField(primary_key=True, max_length=24, db_column="_id")
    seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self):
        return f"{self.key or 'platform'} #{self.seq}"


class RefreshTokenRecord(BaseModel):
    """Every refresh token issued: only recorded, unrevoked ones can be used.

    Rotation, logout, password changes and deactivation revoke them. This replaces simplejwt's
    token_blacklist app, whose integer primary keys MongoDB cannot store.
    """

    jti = models.CharField(max_length=64, unique=True)
    # One login's chain of rotated tokens (and the access tokens issued with them): logout or a
    # reused, already rotated token revokes the whole family.
    family = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="refresh_tokens", db_index=False
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_user_revoked")]

    def __str__(self):
        return self.jti


class PendingSignup(BaseModel):
    """A clinic sign-up waiting for its e-mail address to be proven: until the e-mailed link is
    followed nothing else exists, so the sign-up answer is the same whether or not the address
    has an account. The password is kept only as a hash and the link's token only as its
    SHA-256; the row works once (`used_at`) and until `expires_at`."""

    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=150)
    clinic_name = models.CharField(_("clinic name"), max_length=200)
    password_hash = models.CharField(_("password hash"), max_length=128)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    # Set by the worker that mails the link; blank while queued, and forever when the address
    # turned out to have an account (its holder got a mail without a link instead).
    token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pending sign-up")
        verbose_name_plural = _("pending sign-ups")

    def __str__(self):
        return self.email
