from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, new_id
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
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLINICIAN)
    clinic = models.ForeignKey(
        "clinics.Clinic",
        verbose_name=_("clinic"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_verified = models.BooleanField(_("e-mail verified"), default=False)
    is_staff = models.BooleanField(
        _("platform staff"), default=False, help_text=_("May log in to the Django admin.")
    )
    is_superuser = models.BooleanField(_("platform superuser"), default=False)

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


class AuditEvent(models.Model):
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

    id = models.CharField(
        primary_key=True, max_length=24, default=new_id, editable=False, db_column="_id"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor e-mail"), max_length=254, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=20, blank=True)
    clinic = models.ForeignKey(
        "clinics.Clinic",
        verbose_name=_("clinic"),
        on_delete=models.SET_NULL,
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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["clinic", "-created_at"], name="audit_clinic_time"),
            models.Index(fields=["patient_id", "-created_at"], name="audit_patient_time"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
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


class RefreshTokenRecord(BaseModel):
    """Every refresh token issued: only recorded, unrevoked ones can be used.

    Rotation, logout, password changes and deactivation revoke them. This replaces simplejwt's
    token_blacklist app, whose integer primary keys MongoDB cannot store.
    """

    jti = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_user_revoked")]

    def __str__(self):
        return self.jti
