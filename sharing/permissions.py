"""Who runs a cockpit's shares: its company admins (user managers) and operator staff, while the flag is on."""

from django.http import Http404

from accounts.models import User
from accounts.permissions import Reach, require_manager
from entities.models import Instance
from sharing.models import Share, SharingSettings


def cockpit_is_shareable(instance: Instance) -> bool:
    return SharingSettings.objects.filter(instance=instance, is_shareable=True).exists()


def access_cockpit_shares(actor: User, instance: Instance) -> Reach:
    """The reach of an admin of this cockpit's shares; 404 while the cockpit is not shareable, 403 for non-admins."""
    if not cockpit_is_shareable(instance):
        raise Http404("Sharing is switched off for this cockpit.")
    return require_manager(actor, instance)


def access_share(actor: User, instance: Instance, pk: int) -> Share:
    """A share of this cockpit its admins may change; 404 for a share of another cockpit and a missing one alike."""
    access_cockpit_shares(actor, instance)
    share = (
        Share.objects.select_related("user__company__instance", "invited_by").filter(instance=instance, pk=pk).first()
    )
    if share is None:
        raise Http404("No such share.")
    return share
