from django.urls import path

from notes import views

app_name = "notes"

urlpatterns = [
    path("mine/", views.my_notes, name="mine"),
    path("patients/<str:pid>/", views.note_list, name="list"),
    path("patients/<str:pid>/new/", views.note_new, name="new"),
    path("<str:pk>/", views.note_detail, name="detail"),
    path("<str:pk>/edit/", views.note_edit, name="edit"),
    path("<str:pk>/print/", views.note_print, name="print"),
    path("<str:pk>/history/", views.note_history, name="history"),
    path("<str:pk>/sign/", views.note_sign, name="sign"),
    path("<str:pk>/request-cosign/", views.note_request_cosign, name="request_cosign"),
    path("<str:pk>/cosign/", views.note_cosign, name="cosign"),
    path("<str:pk>/share/", views.note_share, name="share"),
    path("<str:pk>/addenda/", views.note_addendum, name="addendum"),
]
