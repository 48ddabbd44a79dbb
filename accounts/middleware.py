from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A user logged in with a temporary password changes it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("accounts:password-change"), reverse("accounts:logout")}
            if request.path not in allowed:
                return redirect("accounts:password-change")
        return self.get_response(request)
