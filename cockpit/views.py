from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.middleware import previous_login
from entities.requests import CockpitRequest
from entities.selectors import visible_entity_total
from sharing.access import cockpits_of
from sharing.selectors import share_of, share_scope_rows
from users.inactivity import people_to_deactivate
from users.permissions import manager_reach, user_views_users
from users.review_selectors import reviews_awaiting
from users.selectors import grants_ending_soon, latest_access_changes, own_access, user_counts

# How far ahead a user manager's dashboard lists the roles that end.
GRANTS_ENDING_WITHIN_DAYS = 14
# How far ahead it lists the people whose access ends for inactivity: the week their warning gives them.
DEACTIVATIONS_WITHIN_DAYS = 7


def home(request):
    """Send a logged-in user to their home cockpit."""
    cockpits = cockpits_of(request.user)
    if not cockpits:
        raise Http404("No cockpit is open to this account.")
    return redirect(cockpits[0].instance.get_absolute_url())


class DashboardView(TemplateView):
    """What the user's access here is, and for those who see User Management, where its users stand."""

    template_name = "cockpit/dashboard.html"
    request: CockpitRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, subject, instance = self.request.user, self.request.subject, self.request.instance
        count, capped = visible_entity_total(subject=subject, instance=instance)
        share = share_of(subject, instance) if subject and subject.home_instance_id != instance.pk else None
        context.update(
            entity_count=count,
            entity_count_capped=capped,
            previous_login=previous_login(self.request),
            share=share,
            share_scopes=share_scope_rows(share) if share else [],
            own_access=None if share else own_access(user, instance),
        )
        if user_views_users(user, instance):
            reach = manager_reach(user, instance)
            context.update(
                user_counts=user_counts(reach),
                access_changes=latest_access_changes(reach),
                may_create_users=reach.is_manager,
            )
            if reach.is_manager:
                ending, ending_total = grants_ending_soon(reach, within_days=GRANTS_ENDING_WITHIN_DAYS)
                context.update(
                    attention=True,
                    reviews_awaiting=reviews_awaiting(user, instance),
                    grants_ending=ending,
                    grants_ending_more=ending_total - len(ending),
                    grants_ending_days=GRANTS_ENDING_WITHIN_DAYS,
                    to_deactivate=people_to_deactivate(reach, within_days=DEACTIVATIONS_WITHIN_DAYS),
                    to_deactivate_days=DEACTIVATIONS_WITHIN_DAYS,
                )
        return context
