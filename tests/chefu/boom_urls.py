"""A view that raises, for the Sentry test (tests/chefu/test_sentry.py), mounted by ROOT_URLCONF there."""

from django.urls import path


class BoomError(RuntimeError):
    pass


def boom(request):
    raise BoomError("boom from a view")


urlpatterns = [path("boom", boom)]
