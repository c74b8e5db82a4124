"""The review queue: unreviewed results of the clinic, critical first, signed off in place."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.decorators import staff_page
from labs import selectors
from labs.forms import ReviewFilterForm


@require_http_methods(["GET"])
@staff_page("labs.review")
def review_queue(request):
    filter_form = ReviewFilterForm(request.GET)
    page_obj = selectors.review_queue_page(
        actor=request.user, number=request.GET.get("page"), **filter_form.queue_filters()
    )
    return render(
        request,
        "labs/review_queue.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "is_filtered": filter_form.is_filtered(),
        },
    )
