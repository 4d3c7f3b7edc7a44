"""The account lifecycle endpoints under /api/auth/: the data export and the security activity (thin views that
call one selector or service). Deleting the account is ``DELETE me/``, on MeApi in apis.py.

The OpenAPI description of each operation is in account_openapi.py.
"""

from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from backend.audit.selectors import audit_activity_for_user
from backend.common.pagination import StandardPagination
from backend.common.views import ApiView

from . import account_openapi
from .account_serializers import ActivityOutputSerializer
from .api_base import current_session_id, current_user
from .data_export import account_export_start


class AccountExportApi(ApiView):
    rate_limit_user_scopes = ("export_user",)

    @account_openapi.account_export
    def get(self, request: Request) -> StreamingHttpResponse:
        chunks = account_export_start(user=current_user(request), session_id=current_session_id(request))
        # Streamed, never buffered: no middleware of this project reads a streaming body (no ETag, response cache
        # or compression middleware; idempotency applies to POSTs); the observability line counts the chunks as they
        # pass and is written when the stream ends.
        response = StreamingHttpResponse(chunks, content_type="application/json")
        filename = f"account-export-{timezone.localdate().isoformat()}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class ActivityApi(ApiView):
    # The ``user`` request limit, like every other read.

    @account_openapi.activity_list
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(audit_activity_for_user(user=current_user(request)), request, view=self)
        context = {"current_session_id": current_session_id(request)}
        return paginator.get_paginated_response(ActivityOutputSerializer(page, many=True, context=context).data)
