from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, RefreshTokenRecord, User
from accounts.services import refresh_tokens_revoke, staff_changed
from core.admin import AuditedAdminMixin, LargeTableAdminMixin
from core.roles import Role


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role", "clinic")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def user_has_history(user) -> bool:
    """Whether any audit row names this user, as the actor or as the record."""
    return AuditEvent.objects.filter(
        Q(actor_id=user.pk) | Q(object_type=User._meta.label, object_id=user.pk)
    ).exists()


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    """Audited like any record with a patient: a patient's portal account is patient data, and
    role or status changes made here bypass the staff pages' own audit."""

    add_form = UserCreationForm
    form = UserEditForm
    list_display = ["email", "name", "role", "clinic", "is_active", "is_verified", "last_login"]
    list_filter = ["role", "is_active", "is_verified", "is_superuser", "clinic"]
    search_fields = ["email", "name", "phone"]
    ordering = ["email"]
    list_select_related = ["clinic"]
    autocomplete_fields = ["clinic"]
    readonly_fields = ["last_login", "created_at", "updated_at"]
    filter_horizontal = []
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["name", "phone"]}),
        (_("Clinic"), {"fields": ["clinic", "role"]}),
        (_("Status"), {"fields": ["is_active", "is_verified", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "role", "clinic", "password1", "password2"],
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        """A user's clinic is set once, on creation: moved, a staff member would carry their
        first clinic's unread counts, notifications and assigned threads into the next one."""
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "clinic"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"is_active", "password"} & set(form.changed_data):
            # As on the staff pages: a deactivation or a new password ends every token and
            # session issued before it, even after a later reactivation.
            refresh_tokens_revoke(obj)
        if change and {"is_active", "role"} & set(form.changed_data):
            staff_changed(actor=request.user, user=obj)  # as the staff page: alerts, threads

    def has_delete_permission(self, request, obj=None):
        """Users are deactivated, never deleted, once the audit trail names them."""
        if obj is not None and user_has_history(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action asks no per-object question: keep the users with history.
        super().delete_queryset(request, [user for user in queryset if not user_has_history(user)])

    @staticmethod
    def patient_id_of(user) -> str:
        # The reverse side of patients.Patient.user, read without importing the patients app.
        record = getattr(user, "patient_record", None) if user.role == Role.PATIENT else None
        return record.pk if record is not None else ""


class RoleFilter(admin.SimpleListFilter):
    """The actor's role from the roles' list: the column's distinct values were a read of every
    audit row on each page (0.8 s at 1,850,000)."""

    title = _("actor role")
    parameter_name = "actor_role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        return queryset.filter(actor_role=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    """Read-only: audit rows are append-only, in the admin as everywhere else. Filtered by
    time with the list's date filter, not a date hierarchy, which read every row's date for
    its years (12 s at 1,850,000 rows); by object type through the search (`=type`)."""

    list_display = [
        "created_at",
        "action",
        "actor_label",
        "actor_role",
        "clinic",
        "object_type",
        "object_id",
        "patient_id",
        "ip_address",
    ]
    list_filter = ["action", RoleFilter, "created_at", "clinic"]
    search_fields = ["actor_label", "object_id", "patient_id", "ip_address", "=object_type"]
    list_prefetch_related = ["clinic"]
    ordering = ["-created_at"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RefreshTokenRecord)
class RefreshTokenRecordAdmin(admin.ModelAdmin):
    """Issued refresh tokens, to see who is signed in on which devices; revoke by deactivating."""

    list_display = ["user", "created_at", "expires_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "jti"]
    list_select_related = ["user"]
    readonly_fields = ["jti", "user", "created_at", "expires_at", "revoked_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
