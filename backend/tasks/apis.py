"""Thin HTTP layer over the task services and selectors: validate input, call one function, serialize.

The OpenAPI description of each operation is in openapi.py; the cached reads are declared in selectors.py.
"""

from functools import cache
from typing import cast

import orjson
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.urls import reverse
from rest_framework import status
from rest_framework.exceptions import ParseError, UnsupportedMediaType, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import User
from backend.common.cached_reads import request_date
from backend.common.conditional import conditional_json_response, if_match_etags, json_response
from backend.common.exceptions import InvalidIfMatch
from backend.common.idempotency import StoredResponse, idempotent_response
from backend.common.pagination import StandardPagination
from backend.common.response_cache import RenderedBody, render_json
from backend.common.time_zones import request_zone, request_zone_errors, validate_request_zone
from backend.common.views import ApiView

from . import openapi
from .models import Task
from .selectors import (
    TASK_DETAIL,
    TASK_LIST_ANCHOR,
    TASK_LIST_COUNT,
    TASK_LIST_PAGE,
    TASK_STATS,
    task_etag,
    task_get,
    task_list_filter_errors,
    task_list_rows,
    task_page_anchors,
    task_stats,
)
from .serializers import (
    TaskBulkInputSerializer,
    TaskBulkOutputSerializer,
    TaskInputSerializer,
    TaskStatsSerializer,
    task_data,
    tasks_json,
)
from .services import task_bulk_apply, task_create, task_delete, task_update, task_update_by_id


def _owner(request: Request) -> User:
    """The signed-in user; IsAuthenticated (the default permission) guarantees it is not anonymous."""
    return cast(User, request.user)


def _render_task(task: Task) -> RenderedBody:
    return render_json(task_data(task), etag=task_etag(task))


class TaskListApi(ApiView):
    cached_reads = (TASK_LIST_PAGE, TASK_LIST_COUNT, TASK_LIST_ANCHOR)

    @openapi.tasks_list
    def get(self, request: Request) -> HttpResponse:
        try:
            return self._page(request)
        except (ValidationError, DjangoValidationError):
            # The zone, the filters and the paging are checked in turn, and the first to fail would hide the others'
            # problems: the 400 names every parameter at fault, so a client fixes them in one go.
            errors = {
                **request_zone_errors(request),
                **task_list_filter_errors(filters=request.query_params),
                **StandardPagination.parameter_errors(request.query_params),
            }
            if not errors:
                raise
            raise ValidationError(errors) from None

    def _page(self, request: Request) -> HttpResponse:
        owner = _owner(request)
        validate_request_zone(request)

        def render() -> RenderedBody:
            filters = request.query_params
            # Rows of the shown columns, not Task instances: the same JSON (tests/backend/tasks/test_serializers.py).
            tasks = task_list_rows(owner=owner, filters=filters, today=request_date(request))
            paginator = StandardPagination(
                count=lambda: self.cached_count(TASK_LIST_COUNT, owner_id=owner.pk, count=tasks.count),
                anchors=task_page_anchors(owner=owner, filters=filters, request=request, read_ahead=self.read_ahead),
            )
            page = paginator.paginate_queryset(tasks, request, self)
            return render_json(paginator.paginated_data(tasks_json(page)))

        return conditional_json_response(request, self.cached_body(TASK_LIST_PAGE, owner_id=owner.pk, render=render))

    @openapi.tasks_create
    def post(self, request: Request) -> HttpResponse:
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = _owner(request)

        def create() -> StoredResponse:
            task = task_create(owner=owner, **serializer.validated_data)
            return StoredResponse.of(_render_task(task), status=status.HTTP_201_CREATED)

        # With an Idempotency-Key, a retry of this request answers the first one's task (common/idempotency.py).
        response = idempotent_response(request, owner=owner, write=create)
        # Where the new task is (RFC 9110's Location on a 201), a replay's too: its id is in the stored body.
        response.headers["Location"] = _task_url().replace(_ID_PLACEHOLDER, orjson.loads(response.content)["id"])
        return response


class TaskDetailApi(ApiView):
    cached_reads = (TASK_DETAIL,)
    body_after_lookup = True  # another user's task is a 404 whatever the request holds, its body included

    @openapi.tasks_retrieve
    def get(self, request: Request, task_id: str) -> HttpResponse:
        owner = _owner(request)
        body = self.cached_body(
            TASK_DETAIL, owner_id=owner.pk, render=lambda: _render_task(task_get(owner=owner, task_id=task_id))
        )
        return conditional_json_response(request, body)

    @openapi.tasks_update
    def put(self, request: Request, task_id: str) -> HttpResponse:
        return self._update(request, task_id, partial=False)

    @openapi.tasks_partial_update
    def patch(self, request: Request, task_id: str) -> HttpResponse:
        return self._update(request, task_id, partial=True)

    @openapi.tasks_destroy
    def delete(self, request: Request, task_id: str) -> Response:
        task = task_get(owner=_owner(request), task_id=task_id)
        self.check_body(request)
        task_delete(task=task, if_match=if_match_etags(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, task_id: str, *, partial: bool) -> HttpResponse:
        owner = _owner(request)
        # Another user's task is a 404 whatever the request holds: each error below is raised only after the lookup.
        try:
            serializer = TaskInputSerializer(data=request.data, partial=partial)
        except (ParseError, UnsupportedMediaType):
            task_get(owner=owner, task_id=task_id)
            raise
        try:
            if_match = if_match_etags(request)
        except InvalidIfMatch:
            task_get(owner=owner, task_id=task_id)
            serializer.is_valid(raise_exception=True)
            raise
        if if_match in (None, ["*"]) and serializer.is_valid():
            # No precondition (or "*": any current version, i.e. the task exists): one statement writes the row as
            # it is, instead of a read and then a compare-and-set that concurrent writers can make retry and fail.
            task = task_update_by_id(owner=owner, task_id=task_id, data=serializer.validated_data)
        else:
            task = task_get(owner=owner, task_id=task_id)
            serializer.is_valid(raise_exception=True)
            task = task_update(task=task, data=serializer.validated_data, if_match=if_match)
        return json_response(_render_task(task))


class TaskStatsApi(ApiView):
    cached_reads = (TASK_STATS,)

    @openapi.tasks_stats
    def get(self, request: Request) -> HttpResponse:
        owner = _owner(request)
        validate_request_zone(request)

        def render() -> RenderedBody:
            stats = task_stats(owner=owner, today=request_date(request), zone=request_zone(request))
            return render_json(TaskStatsSerializer(stats).data)

        body = self.cached_body(TASK_STATS, owner_id=owner.pk, render=render)
        return conditional_json_response(request, body)


class TaskBulkApi(ApiView):
    @openapi.tasks_bulk
    def post(self, request: Request) -> HttpResponse:
        serializer = TaskBulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = _owner(request)

        def apply() -> StoredResponse:
            updated = task_bulk_apply(owner=owner, **serializer.validated_data)
            body = render_json(TaskBulkOutputSerializer({"updated": updated}).data)
            return StoredResponse.of(body, status=status.HTTP_200_OK, with_etag=False)

        # A retried bulk delete with its Idempotency-Key answers how many the first one deleted, not 0.
        return idempotent_response(request, owner=owner, write=apply)


_ID_PLACEHOLDER = "task-id"


@cache
def _task_url() -> str:
    """A task's URL with a placeholder for its id, reversed once, not on every create; with the trailing slash the
    route makes optional (common.urls.api_path), as every documented URL has it."""
    return reverse("task-detail", kwargs={"task_id": _ID_PLACEHOLDER}) + "/"
