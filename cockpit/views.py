from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from cockpit.permissions import cockpits_of
from entities.requests import CockpitRequest
from entities.selectors import visible_entity_total
from sharing.selectors import share_of


def home(request):
    """Send a logged-in user to their home cockpit."""
    cockpits = cockpits_of(request.user)
    if not cockpits:
        raise Http404("No cockpit is open to this account.")
    return redirect(cockpits[0].instance.get_absolute_url())


class DashboardView(TemplateView):
    template_name = "cockpit/dashboard.html"
    request: CockpitRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject, instance = self.request.subject, self.request.instance
        count, capped = visible_entity_total(subject=subject, instance=instance)
        share = share_of(subject, instance) if subject and subject.home_instance_id != instance.pk else None
        context.update(entity_count=count, entity_count_capped=capped, share=share)
        return context
