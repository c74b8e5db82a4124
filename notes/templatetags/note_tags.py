"""`{{ text|markdown }}`: a section or addendum as sanitised HTML (notes.markdown)."""

from django import template
from django.utils.safestring import mark_safe

from notes.markdown import render

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render(text))  # noqa: S308 (markdown-it without HTML, then nh3)


@register.filter
def note_status_badge(note) -> str:
    return "text-bg-success" if note.is_signed else "text-bg-warning"
