"""The Django admin behind the second factor: only verified operator staff get in, and they sign in like everyone."""

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from accounts.second_factor import second_factor_pending
from core.paging import CappedCountPaginator


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete pickers read an object as its model admin's autocomplete_label() says, if it has one."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)  # type: ignore[misc]  # missing from django-stubs
        label = getattr(self.model_admin, "autocomplete_label", None)
        return {**result, "text": label(obj)} if label else result


class CockpitAdminSite(OTPAdminSite):
    """django-otp's OTP-required admin site, signing in through the cockpit's own two steps and limits."""

    site_header = "Cockpit administration"

    def __init__(self, name: str = "admin"):
        super().__init__(name)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every changelist, ours or a library's (the task queue's results, say), counts at most
        CappedCountPaginator.COUNT_CAP rows and never the whole table a second time."""
        super().register(model_or_iterable, admin_class, **options)
        for model_admin in self._registry.values():
            model_admin.paginator = CappedCountPaginator
            model_admin.show_full_result_count = False

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff and not second_factor_pending(request))

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in, yet not let in (no staff, or no verified second factor): sending them to
            # the login again would loop between it and the admin.
            raise PermissionDenied(_("Your account may not use the Django admin."))
        # One login for every path: the same rate limits, the same second step.
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
