"""Task routes; each answers with and without its trailing slash, with no redirect."""

from backend.common.urls import api_path

from . import apis

urlpatterns = [
    api_path("tasks/", apis.TaskListApi.as_view(), name="task-list"),
    # Before the id route, which would otherwise take "stats" and "bulk" for ids.
    api_path("tasks/stats/", apis.TaskStatsApi.as_view(), name="task-stats"),
    api_path("tasks/bulk/", apis.TaskBulkApi.as_view(), name="task-bulk"),
    api_path("tasks/(?P<task_id>[^/]+)/", apis.TaskDetailApi.as_view(), name="task-detail"),
]
