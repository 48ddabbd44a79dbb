from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from cockpit.permissions import cockpits_of
from entities.requests import CockpitRequest
from entities.selectors import visible_entity_total


def home(request):
    """Send a logged-in user to their home cockpit."""
    cockpits = cockpits_of(request.user)
    if not cockpits:
        raise Http404("No cockpit is open to this account.")
    return redirect(cockpits[0].get_absolute_url())


class DashboardView(TemplateView):
    template_name = "cockpit/dashboard.html"
    request: CockpitRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count, capped = visible_entity_total(subject=self.request.subject, instance=self.request.instance)
        context.update(entity_count=count, entity_count_capped=capped)
        return context
