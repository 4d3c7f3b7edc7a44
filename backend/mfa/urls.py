"""/api/auth/ endpoints of multi-factor authentication (docs/mfa.md)."""

from backend.common.urls import api_path

from . import email_code_apis, passkey_apis, sign_in_apis, totp_apis

urlpatterns = [
    # -- sign-in step and re-authentication (sign_in_apis.py) --
    api_path("auth/mfa/authenticate/", sign_in_apis.MfaAuthenticateApi.as_view(), name="auth-mfa-authenticate"),
    api_path("auth/reauthenticate/", sign_in_apis.ReauthenticateApi.as_view(), name="auth-reauthenticate"),
    # -- sign-in with an emailed code (email_code_apis.py) --
    api_path("auth/login/code/", email_code_apis.LoginCodeRequestApi.as_view(), name="auth-login-code"),
    api_path("auth/login/code/confirm/", email_code_apis.LoginCodeConfirmApi.as_view(), name="auth-login-code-confirm"),
    # -- authenticator app, recovery codes, status (totp_apis.py) --
    api_path("auth/mfa/", totp_apis.MfaStatusApi.as_view(), name="auth-mfa"),
    api_path("auth/mfa/totp/", totp_apis.TotpApi.as_view(), name="auth-mfa-totp"),
    api_path("auth/mfa/totp/confirm/", totp_apis.TotpConfirmApi.as_view(), name="auth-mfa-totp-confirm"),
    api_path("auth/mfa/recovery-codes/", totp_apis.RecoveryCodesApi.as_view(), name="auth-mfa-recovery-codes"),
    # -- passkeys (passkey_apis.py) --
    api_path(
        "auth/mfa/passkeys/options/",
        passkey_apis.PasskeyRegistrationOptionsApi.as_view(),
        name="auth-mfa-passkeys-options",
    ),
    api_path("auth/mfa/passkeys/", passkey_apis.PasskeysApi.as_view(), name="auth-mfa-passkeys"),
    api_path(
        "auth/mfa/passkeys/(?P<passkey_id>[^/]+)/",
        passkey_apis.PasskeyDetailApi.as_view(),
        name="auth-mfa-passkey-detail",
    ),
    api_path(
        "auth/mfa/authenticate/options/",
        passkey_apis.MfaAuthenticateOptionsApi.as_view(),
        name="auth-mfa-authenticate-options",
    ),
    api_path("auth/passkey/options/", passkey_apis.PasswordlessOptionsApi.as_view(), name="auth-passkey-options"),
    api_path("auth/passkey/login/", passkey_apis.PasswordlessLoginApi.as_view(), name="auth-passkey-login"),
    api_path(
        "auth/reauthenticate/options/",
        passkey_apis.ReauthenticateOptionsApi.as_view(),
        name="auth-reauthenticate-options",
    ),
]
