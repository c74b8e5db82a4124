"""`{% for n in page_obj|elided_pages %}`: page numbers around the current page, with ellipses."""

from django import template

register = template.Library()


@register.filter
def elided_pages(page_obj):
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
