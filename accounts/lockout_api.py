"""Login lockouts of a clinic's staff, for its admin: see them and let someone try again."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts import serializers as s
from core.api import READ_ERRORS


class LockoutListView(APIView):
    required_permission = "staff.view"

    @extend_schema(
        responses={200: s.LockoutSerializer(many=True), **READ_ERRORS},
        summary="Staff of your clinic locked out of logging in now",
    )
    def get(self, request):
        return Response(
            s.LockoutSerializer(selectors.lockouts_list(actor=request.user), many=True).data
        )


class LockoutClearView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.MessageSerializer, **READ_ERRORS},
        summary="Clear a staff member's login lockouts (they may try again at once)",
    )
    def delete(self, request, user_id):
        user = selectors.lockout_user(actor=request.user, id=user_id)
        services.lockout_clear(actor=request.user, user=user)
        return Response({"message": _("%(name)s may log in again.") % {"name": user.name}})
