from django.urls import path

from labs import views

app_name = "labs"

urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<str:pk>/", views.order_detail, name="order_detail"),
    path("orders/<str:pk>/collect/", views.order_collect, name="order_collect"),
    path("orders/<str:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<str:pk>/results/", views.order_results, name="order_results"),
    path("patients/<str:pid>/results/new/", views.outside_result, name="outside_result"),
    path("patients/<str:pid>/tests/<str:tid>/", views.trend, name="trend"),
    path("results/<str:pk>/", views.result_detail, name="result_detail"),
    path("results/<str:pk>/correct/", views.result_correct, name="result_correct"),
    path("results/<str:pk>/review/", views.result_review, name="result_review"),
    path("review/", views.review_queue, name="review_queue"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<str:pk>/", views.test_edit, name="test_edit"),
    path("catalogue/<str:pk>/ranges/new/", views.range_edit, name="range_add"),
    path("catalogue/<str:pk>/ranges/<str:rid>/", views.range_edit, name="range_edit"),
    path("catalogue/<str:pk>/ranges/<str:rid>/delete/", views.range_delete, name="range_delete"),
    path("import/", views.results_import, name="import"),
]
