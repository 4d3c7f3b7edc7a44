from backend.common.urls import api_path

from . import apis

urlpatterns = [
    api_path("auth/register/", apis.RegisterApi.as_view(), name="auth-register"),
    api_path("auth/login/", apis.LoginApi.as_view(), name="auth-login"),
    api_path("auth/refresh/", apis.RefreshApi.as_view(), name="auth-refresh"),
    api_path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    api_path("auth/logout-all/", apis.LogoutAllApi.as_view(), name="auth-logout-all"),
    api_path("auth/me/", apis.MeApi.as_view(), name="auth-me"),
    api_path("auth/password/", apis.PasswordChangeApi.as_view(), name="auth-password"),
    api_path("auth/password-reset/", apis.PasswordResetApi.as_view(), name="auth-password-reset"),
    api_path(
        "auth/password-reset/confirm/",
        apis.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    api_path("auth/sessions/", apis.SessionListApi.as_view(), name="auth-sessions"),
    api_path("auth/sessions/(?P<session_id>[^/]+)/", apis.SessionDetailApi.as_view(), name="auth-session-detail"),
]
