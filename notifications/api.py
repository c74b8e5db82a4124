"""Notifications API (staff and patients alike: each sees only their own) and the clinic admins'
webhooks. Thin views over notifications.selectors and notifications.services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    choice_param,
    page_params,
    page_response,
    validated,
)
from core.lists import page_of
from notifications import selectors, services, webhooks
from notifications import serializers as s

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The record's id.")
DELIVERY_ID = OpenApiParameter(
    "delivery_id", str, OpenApiParameter.PATH, description="The delivery's id."
)
TAG = ["notifications"]
HOOK_TAG = ["webhooks"]


class NotificationListView(GenericAPIView):
    """A GenericAPIView so the schema shows the page envelope its GET answers with."""

    required_permission = "notifications.own"

    @extend_schema(
        tags=TAG,
        summary="My notifications: unread first, then newest (paginated)",
        parameters=[
            OpenApiParameter(
                "unread", str, enum=["true", "false"], description="true: only the unread ones."
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: s.NotificationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        unread_only = choice_param(request, "unread", ["true", "false"]) == "true"
        page = selectors.notification_page(
            actor=request.user, unread_only=unread_only, **page_params(request)
        )
        return page_response(
            request, page, s.NotificationSerializer(page.object_list, many=True).data
        )


class UnreadCountView(APIView):
    required_permission = "notifications.own"

    @extend_schema(
        tags=TAG,
        summary="How many of my notifications are unread",
        responses={200: s.UnreadCountSerializer, **READ_ERRORS},
    )
    def get(self, request):
        return Response({"unread": services.unread_count(actor=request.user)})


class NotificationReadView(APIView):
    @extend_schema(
        tags=TAG,
        summary="Mark one of my notifications read",
        parameters=[ID],
        request=None,
        responses={200: s.NotificationSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk):
        notification = selectors.notification_get(actor=request.user, id=pk)
        notification = services.notification_read(actor=request.user, notification=notification)
        selectors.with_visible_patients(actor=request.user, notifications=[notification])
        return Response(s.NotificationSerializer(notification).data)


class ReadAllView(APIView):
    required_permission = "notifications.own"

    @extend_schema(
        tags=TAG,
        summary="Mark all my notifications read",
        description="`before` (optional): only those created before then, i.e. the ones the "
        "user has seen when the list was loaded.",
        request=s.ReadAllRequestSerializer,
        responses={200: s.ReadAllSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        before = validated(s.ReadAllRequestSerializer, request).get("before")
        marked = services.notifications_read_all(actor=request.user, before=before)
        return Response({"marked": marked, "unread": services.unread_count(actor=request.user)})


class PreferencesView(APIView):
    required_permission = "notifications.own"

    @extend_schema(
        tags=TAG,
        summary="My channels for each event I may be notified of",
        responses={200: s.PreferenceSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        return Response(services.preferences_get(actor=request.user))

    @extend_schema(
        tags=TAG,
        summary="Change my channels (events left out keep theirs)",
        description="Turning off a channel an event requires (a critical result in the app) "
        "is refused with a 400.",
        request=s.PreferenceSerializer(many=True),
        responses={200: s.PreferenceSerializer(many=True), **WRITE_ERRORS},
    )
    def put(self, request):
        serializer = s.PreferenceSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        items = [dict(item) for item in serializer.validated_data]
        return Response(services.preferences_set(actor=request.user, items=items))


class DeviceListView(APIView):
    required_permission = "notifications.own"

    @extend_schema(
        tags=TAG,
        summary="Register this device for push (Web Push subscription or FCM/APNs token)",
        request=s.DeviceCreateSerializer,
        responses={201: s.DeviceSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = validated(s.DeviceCreateSerializer, request)
        keys = data.get("keys") or {}
        device = services.device_register(
            actor=request.user,
            kind=data["kind"],
            address=data.get("endpoint") or data.get("token"),
            p256dh=keys.get("p256dh", ""),
            auth=keys.get("auth", ""),
        )
        return Response(s.DeviceSerializer(device).data, status=status.HTTP_201_CREATED)


class DeviceDetailView(APIView):
    @extend_schema(
        tags=TAG,
        summary="Stop pushing to this device",
        parameters=[ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk):
        device = selectors.device_get(actor=request.user, id=pk)
        services.device_delete(actor=request.user, device=device)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- webhooks (clinic admins) ---------------------------------------------------------------------
class WebhookListView(GenericAPIView):
    """A GenericAPIView so the schema shows the page envelope its GET answers with."""

    required_permission = "webhooks.manage"
    serializer_class = s.WebhookSerializer  # the browsable API (DEBUG) asks for one

    @extend_schema(
        tags=HOOK_TAG,
        summary="The clinic's webhooks (paginated)",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: s.WebhookSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        page = page_of(selectors.webhook_list(actor=request.user), **page_params(request))
        return page_response(request, page, s.WebhookSerializer(page.object_list, many=True).data)

    @extend_schema(
        tags=HOOK_TAG,
        summary="Register a webhook; the answer shows its signing secret, once",
        request=s.WebhookCreateSerializer,
        responses={201: s.WebhookCreatedSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        hook = webhooks.webhook_create(
            actor=request.user, **validated(s.WebhookCreateSerializer, request)
        )
        return Response(s.WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    @extend_schema(
        tags=HOOK_TAG,
        summary="One webhook (without its secret)",
        parameters=[ID],
        responses={200: s.WebhookSerializer, **READ_ERRORS},
    )
    def get(self, request, pk):
        hook = selectors.webhook_get(actor=request.user, id=pk)
        return Response(s.WebhookSerializer(hook).data)

    @extend_schema(
        tags=HOOK_TAG,
        summary="Change a webhook's URL, events, description or active flag",
        parameters=[ID],
        request=s.WebhookUpdateSerializer,
        responses={200: s.WebhookSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk):
        hook = selectors.webhook_get(actor=request.user, id=pk)
        fields = validated(s.WebhookUpdateSerializer, request)
        hook = webhooks.webhook_update(actor=request.user, webhook=hook, **fields)
        return Response(s.WebhookSerializer(hook).data)

    @extend_schema(
        tags=HOOK_TAG,
        summary="Delete a webhook and its delivery log",
        parameters=[ID],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request, pk):
        hook = selectors.webhook_get(actor=request.user, id=pk)
        webhooks.webhook_delete(actor=request.user, webhook=hook)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(APIView):
    @extend_schema(
        tags=HOOK_TAG,
        summary="A webhook's delivery log, newest first (paginated)",
        parameters=[ID, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: s.WebhookDeliverySerializer(many=True), **READ_ERRORS},
    )
    def get(self, request, pk):
        hook = selectors.webhook_get(actor=request.user, id=pk)
        rows = selectors.webhook_deliveries(actor=request.user, webhook=hook)
        page = page_of(rows, **page_params(request))
        return page_response(
            request, page, s.WebhookDeliverySerializer(page.object_list, many=True).data
        )


class WebhookResendView(APIView):
    @extend_schema(
        tags=HOOK_TAG,
        summary="Send a delivery again (same webhook-id, fresh attempts)",
        parameters=[ID, DELIVERY_ID],
        request=None,
        responses={202: s.WebhookDeliverySerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk, delivery_id):
        hook = selectors.webhook_get(actor=request.user, id=pk)
        delivery = selectors.delivery_get(actor=request.user, webhook=hook, id=delivery_id)
        delivery = webhooks.delivery_resend(actor=request.user, delivery=delivery)
        delivery.refresh_from_db()
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
