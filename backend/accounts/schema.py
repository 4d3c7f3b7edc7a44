"""Teach drf-spectacular that our authentication class is simplejwt's Bearer scheme."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class SessionJWTScheme(SimpleJWTScheme):
    target_class = "backend.accounts.authentication.SessionJWTAuthentication"
    name = "jwtAuth"
