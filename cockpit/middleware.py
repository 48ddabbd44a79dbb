from django.utils import translation

from cockpit.permissions import access_cockpit


class UserLanguageMiddleware:
    """Serve logged-in users in the language stored on their account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class CockpitAccessMiddleware:
    """Every URL under /c/<instance_slug>/ is checked here, so no cockpit view can forget it.

    Runs after LoginRequiredMiddleware: anonymous users are sent to login first,
    logged-in users of other cockpits get a 404 that does not reveal the cockpit exists.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("instance_slug")
        if slug is not None:
            request.instance = access_cockpit(request.user, slug)
        return None
