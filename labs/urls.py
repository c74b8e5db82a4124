from django.urls import path

from labs.views import catalogue, csv_import, orders, results, review, trend

app_name = "labs"

urlpatterns = [
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/<str:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<str:pk>/collect/", orders.order_collect, name="order_collect"),
    path("orders/<str:pk>/cancel/", orders.order_cancel, name="order_cancel"),
    path("orders/<str:pk>/results/", results.order_results, name="order_results"),
    path("patients/<str:pid>/results/new/", results.outside_result, name="outside_result"),
    path("patients/<str:pid>/tests/<str:tid>/", trend.trend, name="trend"),
    path("results/<str:pk>/", results.result_detail, name="result_detail"),
    path("results/<str:pk>/correct/", results.result_correct, name="result_correct"),
    path("results/<str:pk>/review/", results.result_review, name="result_review"),
    path(
        "results/<str:pk>/communication/",
        results.critical_communication,
        name="critical_communication",
    ),
    path("review/", review.review_queue, name="review_queue"),
    path("review/sign-off/", review.review_bulk, name="review_bulk"),
    path("tests/search/", orders.test_search, name="test_search"),
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue-units/", catalogue.catalogue_units, name="catalogue_units"),
    path("catalogue/<str:pk>/", catalogue.test_edit, name="test_edit"),
    path("catalogue/<str:pk>/ranges/new/", catalogue.range_edit, name="range_add"),
    path("catalogue/<str:pk>/ranges/<str:rid>/", catalogue.range_edit, name="range_edit"),
    path(
        "catalogue/<str:pk>/ranges/<str:rid>/delete/", catalogue.range_delete, name="range_delete"
    ),
    path("import/", csv_import.results_import, name="import"),
    path("import/template.csv", csv_import.import_template, name="import_template"),
]
