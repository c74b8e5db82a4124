from django.urls import re_path

from labs import api

# Each path works with and without a trailing slash: mobile clients differ.
ID = r"(?P<pk>[^/]+)"
RANGE = r"(?P<range_id>[^/]+)"

urlpatterns = [
    re_path(r"^tests/?$", api.TestListView.as_view(), name="api-lab-tests"),
    re_path(rf"^tests/{ID}/?$", api.TestDetailView.as_view(), name="api-lab-test"),
    re_path(rf"^tests/{ID}/ranges/?$", api.RangeListView.as_view(), name="api-lab-test-ranges"),
    re_path(
        rf"^tests/{ID}/ranges/{RANGE}/?$", api.RangeDetailView.as_view(), name="api-lab-test-range"
    ),
    re_path(r"^orderables/?$", api.OrderableSearchView.as_view(), name="api-lab-orderables"),
    re_path(r"^panels/?$", api.PanelListView.as_view(), name="api-lab-panels"),
    re_path(rf"^panels/{ID}/?$", api.PanelDetailView.as_view(), name="api-lab-panel"),
    re_path(r"^orders/?$", api.OrderListView.as_view(), name="api-lab-orders"),
    re_path(rf"^orders/{ID}/?$", api.OrderDetailView.as_view(), name="api-lab-order"),
    re_path(
        rf"^orders/{ID}/collect/?$", api.OrderCollectView.as_view(), name="api-lab-order-collect"
    ),
    re_path(rf"^orders/{ID}/cancel/?$", api.OrderCancelView.as_view(), name="api-lab-order-cancel"),
    re_path(rf"^orders/{ID}/fhir/?$", api.OrderFhirView.as_view(), name="api-lab-order-fhir"),
    re_path(r"^results/?$", api.ResultListView.as_view(), name="api-lab-results"),
    re_path(
        r"^results/review-queue/?$", api.ReviewQueueView.as_view(), name="api-lab-review-queue"
    ),
    re_path(
        r"^results/bulk-review/?$", api.BulkReviewView.as_view(), name="api-lab-results-bulk-review"
    ),
    re_path(rf"^results/{ID}/?$", api.ResultDetailView.as_view(), name="api-lab-result"),
    re_path(
        rf"^results/{ID}/critical-communication/?$",
        api.CriticalCommunicationView.as_view(),
        name="api-lab-result-critical-communication",
    ),
    re_path(
        rf"^results/{ID}/correct/?$", api.ResultCorrectView.as_view(), name="api-lab-result-correct"
    ),
    re_path(
        rf"^results/{ID}/review/?$", api.ResultReviewView.as_view(), name="api-lab-result-review"
    ),
    re_path(rf"^results/{ID}/fhir/?$", api.ResultFhirView.as_view(), name="api-lab-result-fhir"),
]
