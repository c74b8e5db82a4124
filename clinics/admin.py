from django.contrib import admin
from django.db import models

from clinics.models import Clinic


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "phone", "timezone", "created_at"]
    list_filter = ["timezone"]
    search_fields = ["name", "slug", "email", "phone"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
