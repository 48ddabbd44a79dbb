"""Cockpit Shares: the list, Share (invite), the edit pen, the bin, resend; the invitation link; leaving."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.limits import EmailedLinkLimited, ListingLimited
from entities.history import history_rows
from entities.models import AuditLogEntry
from entities.requests import CockpitRequest
from outbox.delivery import delivery_flash
from outbox.services import latest_messages
from sharing.forms import ShareForm, SharePermissionsForm
from sharing.invitations import INVITATIONS, share_accept
from sharing.models import ShareState
from sharing.permissions import access_cockpit_shares, access_share
from sharing.selectors import cockpit_shares, share_scope_offers, share_scope_rows, sharing_state
from sharing.services import share_invite, share_leave, share_offered_cockpits, share_remove, share_resend, share_update


class ShareListView(ListingLimited, TemplateView):
    template_name = "sharing/share_list.html"
    request: CockpitRequest

    def get_context_data(self, **kwargs):
        instance = self.request.instance
        reach = access_cockpit_shares(self.request.user, instance)
        state = sharing_state(instance)
        shares = list(cockpit_shares(reach))
        invitations = latest_messages(INVITATIONS.code, [s.pk for s in shares if not s.accepted_at])
        for share in shares:
            share.state = state.state_of(share)
            share.state_label = ShareState(share.state).label
            share.invitation = invitations.get(share.pk)
        return {
            **super().get_context_data(**kwargs),
            "shares": shares,
            "sees_every_share": reach.is_operator_staff,
            "max_attempts": settings.MESSAGE_MAX_ATTEMPTS,
        }


class ShareCreateView(TemplateView):
    template_name = "sharing/share_form.html"
    request: CockpitRequest

    def form(self, data=None, initial=None) -> ShareForm:
        reach = access_cockpit_shares(self.request.user, self.request.instance)
        return ShareForm(
            data,
            initial=initial,
            offered=share_offered_cockpits(self.request.instance),
            scope_choices=[(offer.value, offer.words) for offer in share_scope_offers(reach)],
        )

    def get(self, request, instance_slug):
        # User Management links here with the address it could not use for a new login.
        return self.render_to_response({"form": self.form(initial={"email": request.GET.get("email", "")[:254]})})

    def post(self, request, instance_slug):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                share, delivery = share_invite(
                    actor=request.user,
                    instance=request.instance,
                    cockpit=data["cockpit"],
                    email=data["email"],
                    inventory=data["inventory"],
                    customer_care=data["customer_care"],
                    scopes=data["scopes"],
                    ends_on=data["ends_on"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("%(user)s is invited.") % {"user": share.user})
                delivery_flash(request, delivery)
                return redirect("sharing:share-list", instance_slug=instance_slug)
        return self.render_to_response({"form": form}, status=400)


class ShareEditView(TemplateView):
    """The edit pen: what the share gives, its history, resend and remove."""

    template_name = "sharing/share_edit.html"
    request: CockpitRequest

    def form(self, share, reach, scopes, data=None) -> SharePermissionsForm:
        offers = share_scope_offers(reach)
        offered = {offer.value for offer in offers}
        # The share's own scopes are offered too, also where a company has no entities today.
        choices = [(offer.value, offer.words) for offer in offers]
        choices += [(row.value, row.words) for row in scopes if row.value not in offered]
        initial = {
            "inventory": share.inventory,
            "customer_care": share.customer_care,
            "ends_on": share.ends_on,
            "scopes": [row.value for row in scopes],
        }
        return SharePermissionsForm(data, initial=initial, scope_choices=choices)

    def context(self, share, reach, form=None) -> dict:
        history = history_rows(
            AuditLogEntry.objects.filter(target_type=share._meta.label, target_id=str(share.pk))[:50]
        )
        state = sharing_state(share.instance).state_of(share)
        scopes = share_scope_rows(share)
        return {
            "share": share,
            "state": state,
            "state_label": ShareState(state).label,
            "history": history,
            "scopes": scopes,
            "form": form or self.form(share, reach, scopes),
        }

    def get(self, request, instance_slug, pk):
        share, reach = access_share(request.user, request.instance, pk)
        return self.render_to_response(self.context(share, reach))

    def post(self, request, instance_slug, pk):
        share, reach = access_share(request.user, request.instance, pk)
        form = self.form(share, reach, share_scope_rows(share), request.POST)
        if form.is_valid():
            try:
                share_update(actor=request.user, share=share, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The share of %(user)s is saved.") % {"user": share.user})
                return redirect("sharing:share-list", instance_slug=instance_slug)
        share.refresh_from_db()
        return self.render_to_response(self.context(share, reach, form), status=400)


class ShareRemoveView(TemplateView):
    """The bin: asks, then removes; the user's next request to this cockpit answers 404."""

    template_name = "sharing/share_confirm_remove.html"
    request: CockpitRequest

    def get(self, request, instance_slug, pk):
        share, _reach = access_share(request.user, request.instance, pk)
        return self.render_to_response({"share": share})

    def post(self, request, instance_slug, pk):
        share, _reach = access_share(request.user, request.instance, pk)
        share_remove(actor=request.user, share=share)
        messages.success(request, _("%(user)s no longer has access to this cockpit.") % {"user": share.user})
        return redirect("sharing:share-list", instance_slug=instance_slug)


class ShareResendView(View):
    http_method_names = ["post"]
    request: CockpitRequest

    def post(self, request, instance_slug, pk):
        share, _reach = access_share(request.user, request.instance, pk)
        try:
            delivery = share_resend(actor=request.user, share=share)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            delivery_flash(request, delivery)
        return redirect("sharing:share-edit", instance_slug=instance_slug, pk=pk)


class ShareLeaveView(TemplateView):
    """The shared user leaves a cockpit shared with them, after saying so once more."""

    template_name = "sharing/share_confirm_leave.html"
    request: CockpitRequest

    def get(self, request, instance_slug):
        if request.instance.pk == request.user.company.instance_id:
            raise Http404("One's own cockpit cannot be left.")
        return self.render_to_response({})

    def post(self, request, instance_slug):
        share_leave(user=request.user, instance=request.instance)
        messages.success(request, _("You left %(cockpit)s.") % {"cockpit": request.instance})
        return redirect("home")


class InvitationView(EmailedLinkLimited, TemplateView):
    """The link of the invitation email: after the invitee's own sign-in (and second factor), the shared cockpit."""

    template_name = "sharing/invitation_expired.html"

    def get(self, request, token):
        try:
            share = share_accept(user=request.user, token=token)
        except ValidationError as error:
            response: HttpResponse = self.render_to_response({"message": " ".join(error.messages)}, status=410)
            return response
        messages.success(request, _("Welcome to %(cockpit)s, shared with you.") % {"cockpit": share.instance})
        return redirect(share.instance.get_absolute_url())
