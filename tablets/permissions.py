"""Who sees and manages which tablets of a cockpit (docs/tablets.md).

A user's tablet right in a cockpit is the best "tablets" right of every role they hold
there whose grant counts: the show-all role, company grants and single-entity grants,
each under the access rules' own conditions (entities.access.rules). Edit manages every
tablet of the cockpit (Inventory manager, Admin); view adds tablets and sees those the
user's company added (Tablet provider). Shares (users of other cockpits) have none.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.access import entities_access, held_rights
from entities.history import OUTSIDE_VIEW
from entities.models import Access, BusinessEntity, Instance, Section
from tablets.models import Tablet

NO_TABLET_RIGHT = _("Your role does not include tablets.")
MAY_NOT_MANAGE = _("Your role adds tablets but does not manage them.")


def tablet_right(user: User, instance: Instance) -> int:
    """The user's tablets right in the cockpit: Access.NONE, VIEW or EDIT (one query, remembered for the request)."""
    if not user.is_authenticated or not in_own_cockpit(user, instance):
        return Access.NONE
    return held_rights(user.access_subject(), instance.pk)[Section.TABLETS]


def in_own_cockpit(user: User, instance: Instance) -> bool:
    """The register is for the cockpit's own people; users reaching it by a Cockpit Share have none."""
    return user.access_subject().home_instance_id == instance.pk


def manages_tablets(user: User, instance: Instance) -> bool:
    """Edit: manages every tablet of the cockpit."""
    return tablet_right(user, instance) >= Access.EDIT


def require_tablets(user: User, instance: Instance) -> int:
    """The right of someone who may use the tablet pages: 404 in a shared cockpit, 403 without a tablets right."""
    if not in_own_cockpit(user, instance):
        raise Http404("Tablets are not part of a share.")
    right = tablet_right(user, instance)
    if right < Access.VIEW:
        raise PermissionDenied(NO_TABLET_RIGHT)
    return right


def require_tablet_right(user: User, instance: Instance, access: int) -> None:
    """For the services: adding needs view; changing, assigning, unassigning and retiring need edit."""
    right = tablet_right(user, instance)
    if right < access:
        raise PermissionDenied(MAY_NOT_MANAGE if right >= Access.VIEW else NO_TABLET_RIGHT)


def visible_tablets(user: User, instance: Instance) -> Q:
    """The tablets of the cockpit the user sees: all of them with edit, those their company added with view."""
    right = require_tablets(user, instance)
    if right >= Access.EDIT:
        return Q(instance=instance)
    return Q(instance=instance, added_by_company_id=user.company_id)


def access_tablet(user: User, instance: Instance, pk: int) -> Tablet:
    """A tablet the user sees, to read; 404 for any other, whether it exists or not."""
    tablet = (
        Tablet.objects.filter(visible_tablets(user, instance), pk=pk)
        .select_related("entity", "added_by_company", "created_by")
        .first()
    )
    if tablet is None:
        raise Http404("No such tablet.")
    return tablet


def access_managed_tablet(user: User, instance: Instance, pk: int) -> Tablet:
    """A tablet the user may change, assign, unassign or retire: edit only; 404 for everyone else.

    A Tablet provider's forged request reads exactly like one for a tablet that does not exist.
    """
    require_tablets(user, instance)
    if not manages_tablets(user, instance):
        raise Http404("No such tablet.")
    return access_tablet(user, instance, pk)


def assignable_entities(user: User, instance: Instance):
    """The entities a manager may assign tablets to: every entity of the cockpit; none for anyone else."""
    entities = BusinessEntity.objects.filter(instance=instance).order_by("name", "id")
    return entities if manages_tablets(user, instance) else entities.none()


def entity_labels(user: User, instance: Instance, entities: list[BusinessEntity]) -> dict[int, str]:
    """How each entity reads to the user: its name for managers and where the user sees it, else words naming none.

    One resolution of the access rules for all of them, so lists stay at a constant number of queries.
    """
    if manages_tablets(user, instance):
        return {entity.pk: entity.name for entity in entities}
    access = entities_access(user.access_subject(), entities)
    return {entity.pk: entity.name if access.get(entity.pk) else str(OUTSIDE_VIEW) for entity in entities}
