"""What a Cockpit Share gives: Inventory and Customer care, each none, read or write, as section rights.

Seed 000 names two modules. Inventory is the business entities and their data;
Customer care is the conversation with the customer: chat and quality feedback.
User management, alpha features, tablets and plan uploads are never shared. Read
gives view on the module's sections, write gives edit. The share roles of the
catalogue (sharing/migrations/0002_share_roles.py) carry exactly these rights; a
test holds them to this table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from entities.models import Access, Section


class Module(models.TextChoices):
    INVENTORY = "inventory", _("Inventory")
    CUSTOMER_CARE = "customer_care", _("Customer care")


MODULE_SECTIONS: dict[str, tuple[str, ...]] = {
    Module.INVENTORY: (
        Section.MASTER_DATA,
        Section.FEATURES,
        Section.PERFORMANCE_FIGURES,
        Section.CLEANING_CATEGORIES,
        Section.CLEANING_PROCESS,
        Section.ROUTE_PLANNING,
        Section.TOUR_MODIFICATION,
        Section.CALCULATION,
        Section.ANALYTICS,
        Section.TOUR_ACTIVITIES,
        Section.IOT,
    ),
    Module.CUSTOMER_CARE: (Section.CHAT, Section.QUALITY_CONTROL),
}

LEVEL_CODES = {Access.NONE: "none", Access.VIEW: "read", Access.EDIT: "write"}


class ShareLevel(models.IntegerChoices):
    """How much of a module a share gives."""

    NONE = Access.NONE, _("No access")
    READ = Access.VIEW, _("Read")
    WRITE = Access.EDIT, _("Write")


def share_role_code(inventory: int, customer_care: int) -> str:
    """The code of the catalogue's share role for these levels, e.g. share-inventory-read-customer-care-none."""
    return f"share-inventory-{LEVEL_CODES[Access(inventory)]}-customer-care-{LEVEL_CODES[Access(customer_care)]}"


def share_rights(inventory: int, customer_care: int) -> dict[str, int]:
    """The section rights a share of these levels gives."""
    rights = dict.fromkeys(Section.values, int(Access.NONE))
    for module, level in ((Module.INVENTORY, inventory), (Module.CUSTOMER_CARE, customer_care)):
        for section in MODULE_SECTIONS[module]:
            rights[section] = int(level)
    return rights
