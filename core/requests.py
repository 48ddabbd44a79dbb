"""The request of a signed-in person, typed for the views that only such a person reaches."""

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    # django-stubs' name for settings.AUTH_USER_MODEL: the project's User, without importing the app that holds it.
    from django.contrib.auth.models import _User


class SignedInRequest(HttpRequest):
    """A request of a signed-in user: LoginRequiredMiddleware lets no other reach the views that declare it."""

    user: "_User"
