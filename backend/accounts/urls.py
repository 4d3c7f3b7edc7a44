from backend.common.urls import api_path

from . import account_apis, apis, email_apis

urlpatterns = [
    api_path("auth/register/", apis.RegisterApi.as_view(), name="auth-register"),
    api_path("auth/login/", apis.LoginApi.as_view(), name="auth-login"),
    api_path("auth/refresh/", apis.RefreshApi.as_view(), name="auth-refresh"),
    api_path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    api_path("auth/logout-all/", apis.LogoutAllApi.as_view(), name="auth-logout-all"),
    api_path("auth/me/", apis.MeApi.as_view(), name="auth-me"),
    api_path("auth/me/export/", account_apis.AccountExportApi.as_view(), name="auth-me-export"),
    api_path("auth/activity/", account_apis.ActivityApi.as_view(), name="auth-activity"),
    api_path("auth/email/verify/", email_apis.EmailVerifyApi.as_view(), name="auth-email-verify"),
    api_path("auth/email/verify/resend/", email_apis.EmailVerifyResendApi.as_view(), name="auth-email-verify-resend"),
    api_path("auth/email/change/", email_apis.EmailChangeApi.as_view(), name="auth-email-change"),
    api_path(
        "auth/email/change/pending/", email_apis.EmailChangePendingApi.as_view(), name="auth-email-change-pending"
    ),
    api_path(
        "auth/email/change/confirm/", email_apis.EmailChangeConfirmApi.as_view(), name="auth-email-change-confirm"
    ),
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
