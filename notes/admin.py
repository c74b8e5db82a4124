"""Notes in the Django admin (platform superusers): read-only, every opening audited.

Notes are written in the clinic's pages and API; a signed note is locked in the model anyway,
and a superuser editing a clinician's draft would put words in their name. Note types and
templates are the clinic's configuration, edited by its admins in the app: read-only here too.
"""

from django.contrib import admin

from core.admin import ClinicalRecordAdmin, ClinicConfigurationAdmin, ReadOnlyInline
from notes.models import Addendum, Note, NoteRevision, NoteTemplate, NoteType


class AddendumInline(ReadOnlyInline):
    model = Addendum
    fields = ["created_at", "author", "text"]
    readonly_fields = fields


class RevisionInline(ReadOnlyInline):
    model = NoteRevision
    fields = ["created_at", "editor", "version", "title", "autosave"]
    readonly_fields = fields


@admin.register(Note)
class NoteAdmin(ClinicalRecordAdmin):
    list_display = ["title", "note_type", "status", "author", "created_at", "clinic"]
    list_filter = ["status", "shared_with_patient", "clinic"]
    search_fields = ["=id", "=patient__id"]
    list_prefetch_related = ["note_type", "author", "clinic"]
    raw_id_fields = ["patient", "author", "signed_by", "cosigner", "cosigned_by"]
    inlines = [AddendumInline, RevisionInline]


@admin.register(NoteType)
class NoteTypeAdmin(ClinicConfigurationAdmin):
    list_display = ["name", "code", "is_loinc", "is_active", "clinic"]
    list_filter = ["is_loinc", "is_active", "clinic"]
    search_fields = ["name", "code"]
    list_select_related = ["clinic"]


@admin.register(NoteTemplate)
class NoteTemplateAdmin(ClinicConfigurationAdmin):
    list_display = ["name", "note_type", "is_active", "clinic"]
    list_filter = ["is_active", "clinic"]
    search_fields = ["name"]
    list_select_related = ["note_type", "clinic"]
