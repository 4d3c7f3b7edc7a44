"""The current request's user id is read without ever authenticating anyone."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from backend.common.request_context import request_activate, request_current, request_deactivate, request_user_id


def _lazy_user(calls: list, user):
    def evaluate():
        calls.append(1)
        return user

    return SimpleLazyObject(evaluate)


def test_outside_a_request_there_is_no_request_and_no_user():
    assert request_current() is None
    assert request_user_id() is None


def test_an_unevaluated_lazy_user_is_not_evaluated(user):
    request, calls = RequestFactory().get("/"), []
    request.user = _lazy_user(calls, user)

    assert request_user_id(request) is None
    assert calls == []


def test_an_evaluated_lazy_user_gives_its_id(user):
    request, calls = RequestFactory().get("/"), []
    request.user = _lazy_user(calls, user)
    assert request.user.is_authenticated  # evaluates it

    assert request_user_id(request) == str(user.pk)


def test_an_anonymous_user_gives_no_id():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert request_user_id(request) is None


def test_the_active_request_is_the_default_and_is_restored_afterwards(user):
    request = RequestFactory().get("/")
    request.user = user
    token = request_activate(request)
    try:
        assert request_current() is request
        assert request_user_id() == str(user.pk)
    finally:
        request_deactivate(token)

    assert request_current() is None
