"""The review queue: unreviewed results grouped by patient and order, the most urgent first,
signed off a whole order (or a patient's normal results) at once with one comment."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.decorators import staff_page
from core.forms import SERVICE_ERRORS, flash_errors
from core.lists import filtered_page
from labs import selectors, services
from labs.forms import BulkReviewForm, ReviewFilterForm
from labs.views.results import redirect_back

# A sign-off refused keeps its comment here for the queue to show again (once), in its group.
DRAFT_SESSION_KEY = "labs_review_draft"
DRAFT_MAX_CHARS = 20_000


@require_http_methods(["GET"])
@staff_page("labs.review")
def review_queue(request):
    filter_form = ReviewFilterForm(request.GET)
    page_obj = filtered_page(
        filter_form,
        selectors.review_groups_page,
        actor=request.user,
        number=request.GET.get("page"),
        **filter_form.queue_filters(),
    )
    return render(
        request,
        "labs/review_queue.html",
        {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "is_filtered": filter_form.is_filtered(),
            "draft": request.session.pop(DRAFT_SESSION_KEY, None),
        },
    )


@require_POST
@staff_page("labs.review")
def review_bulk(request):
    """Sign off an order's results, or a patient's normal ones; abnormal ones need their tick."""
    form = BulkReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The sign-off could not be read; try again."))
        return redirect("labs:review_queue")
    data = form.cleaned_data
    scope = {"order_id": data["order"]} if data["scope"] == "order" else {}
    if not scope:
        scope = {"patient_id": data["patient"]}
    if not any(scope.values()):
        raise Http404(_("Not found."))
    results = selectors.review_scope(actor=request.user, **scope)
    try:
        done = services.results_review_bulk(
            actor=request.user,
            results=results,
            comment=data["comment"],
            ticked=data["abnormal"],
            shown=dict(s.split(":", 1) for s in request.POST.getlist("shown") if ":" in s),
        )
    except SERVICE_ERRORS as exc:
        flash_errors(request, exc)
        if data["comment"]:
            request.session[DRAFT_SESSION_KEY] = {
                "group": selectors.group_key(data["patient"], data["order"]),
                "comment": data["comment"][:DRAFT_MAX_CHARS],
            }
    else:
        text = ngettext(
            "%(count)d result signed off.", "%(count)d results signed off.", len(done.reviewed)
        ) % {"count": len(done.reviewed)}
        if done.left:
            text += " " + ngettext(
                "%(count)d abnormal result still needs its own tick.",
                "%(count)d abnormal results still need their own tick.",
                len(done.left),
            ) % {"count": len(done.left)}
        messages.success(request, text)
    return redirect_back(request, reverse("labs:review_queue"))
