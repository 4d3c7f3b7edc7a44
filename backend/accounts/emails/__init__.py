"""Every email the accounts app sends, composed in this package; each caller imports the module that composes it:

- ``links``: the emails whose link or code acts (password reset, address verification, email change, sign-in code);
- ``notices``: the account notices (address in use or changed, password changed or set by an operator, a new device's
  sign-in, a failed second step, a refresh token reused, the account deleted);
- ``security_notices``: the notices of the account's second factors and of its sign-in providers (backend/oidc);
- ``_shared``: what they all use to write and queue one (the sign-off, the SPA's pages, the "if it was not you" advice).

Plain text, with links to the SPA's pages at FRONTEND_URL. Each is queued when the transaction that caused it
commits (a rolled-back write sends nothing; outside a transaction, at once) and sent off the request path, again
after a temporary failure (backend/common/mail.py): no response waits for SMTP or fails on it, and its timing does
not tell whether an email went out. Each has a kind (``password_reset``, ``email_changed_notice``, ...) that names
it in the logs and metrics. Links carry a signed token (accounts/link_tokens.py, or Django's password-reset token);
notices carry no token, password or anything else a reader of the mailbox could use.

A notice that needs a person (an account taken over, deleted, changed by an operator) names SUPPORT_CONTACT when it
is set; otherwise it says what the reader can do alone, and promises no support channel that does not exist.
"""
