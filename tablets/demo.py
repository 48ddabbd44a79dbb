"""Demo tablets for `seed_demo`: some in stock, assigned, in repair and retired, and a few from a tablet provider.

Idempotent: a tablet is looked up by its serial first and made through the services, as
the two demo users would make it, so its history reads like real work.
"""

from accounts.models import User
from entities.models import BusinessEntity, Instance
from tablets.models import Tablet
from tablets.services import tablet_add, tablet_assign, tablet_retire, tablet_update

MODELS = ["Samsung Galaxy Tab Active5", "Samsung Galaxy Tab A9", "Apple iPad 10", "Lenovo Tab M10"]
MANAGER_TABLETS = 26
PROVIDER_TABLETS = 4


def seed_tablets(*, instance: Instance, manager: User, provider: User, entities: list[BusinessEntity]) -> int:
    """The demo tablets of `instance`, added by the Inventory manager and the Tablet provider; how many are new."""
    existing = {
        serial.lower() for serial in Tablet.objects.filter(instance=instance).values_list("serial_number", flat=True)
    }
    added = 0
    for number in range(1, MANAGER_TABLETS + PROVIDER_TABLETS + 1):
        serial = f"TAB-{instance.slug.upper()}-{number:04d}"
        if serial.lower() in existing:
            continue
        by_provider = number > MANAGER_TABLETS
        tablet = tablet_add(
            actor=provider if by_provider else manager,
            instance=instance,
            serial_number=serial,
            model=MODELS[number % len(MODELS)],
        )
        added += 1
        if by_provider:
            continue  # a provider's delivery waits in stock for the Inventory manager
        if number % 2 == 0:
            tablet_assign(actor=manager, tablet=tablet, entity=entities[number % len(entities)])
        elif number % 7 == 0:
            tablet_update(actor=manager, tablet=tablet, model=tablet.model, notes="Display cracked.", state="in_repair")
        elif number % 11 == 0:
            tablet_retire(actor=manager, tablet=tablet, reason="Battery worn out.")
    return added
