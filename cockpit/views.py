from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from cockpit.permissions import cockpits_of
from entities.access import count_visible_entities


def home(request):
    """Send a logged-in user to their home cockpit."""
    cockpits = cockpits_of(request.user)
    if not cockpits:
        raise Http404("No cockpit is open to this account.")
    return redirect(cockpits[0].get_absolute_url())


class DashboardView(TemplateView):
    template_name = "cockpit/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cap = settings.ENTITY_LIST_COUNT_CAP
        count = count_visible_entities(self.request.user, self.request.instance, cap=cap)
        context.update(entity_count=min(count, cap), entity_count_capped=count > cap)
        return context
