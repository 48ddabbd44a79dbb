"""The migration to scoped shares, run for real: back to before scopes, shares made then, forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from entities.access import visible_entities
from entities.models import AuditLogEntry
from sharing.models import ScopeLevel, Share

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("sharing", "0003_share_roles_german")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_world(role_catalogue, schema_left_whole):
    """Two cockpits as they stood before scopes, with whole-cockpit shares; the database then moves back."""
    executor = migrate(BEFORE)
    # Every other app as it stands, sharing as it stood.
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "sharing"]
    apps = executor.loader.project_state([*others, *BEFORE]).apps
    Instance, Company = apps.get_model("entities", "Instance"), apps.get_model("entities", "Company")
    Entity, Role = apps.get_model("entities", "BusinessEntity"), apps.get_model("entities", "Role")
    User, Grant = apps.get_model("accounts", "User"), apps.get_model("entities", "CompanyGrant")
    Settings, Allowed = apps.get_model("sharing", "SharingSettings"), apps.get_model("sharing", "AllowedCompany")
    Share_ = apps.get_model("sharing", "Share")

    alpine = Instance.objects.create(slug="alpine", name="Alpine Facility Services")
    rhein = Instance.objects.create(slug="rhein", name="Rhein Cleaning Group")
    zurich = Company.objects.create(instance=alpine, name="Zurich Property AG")
    helvetia = Company.objects.create(instance=alpine, name="Helvetia Real Estate")
    rhein_clean = Company.objects.create(instance=rhein, name="Rhein Clean GmbH")
    for number, owner in enumerate([zurich, zurich, helvetia]):
        Entity.objects.create(
            instance=alpine, name=f"Haus {number}", owner=owner, service_provider=helvetia, customer=helvetia
        )
    petra = User.objects.create(email="pm@zurich.example", company=zurich, password="!", is_active=True)
    Grant.objects.create(user=petra, level="owner", company=zurich, role=Role.objects.get(code="projectmanager"))
    gone = User.objects.create(email="left@zurich.example", company=zurich, password="!", is_active=False)
    settings = Settings.objects.create(instance=alpine, is_shareable=True)
    Allowed.objects.create(settings=settings, company=rhein_clean)
    share_role = Role.objects.get(code="share-inventory-read-customer-care-none")
    shares = {}
    for name, giver in (("petra's", petra), ("the leaver's", gone)):
        guest = User.objects.create(email=f"{name[:3]}@rhein.example", company=rhein_clean, password="!")
        shares[name] = Share_.objects.create(
            instance=alpine,
            user=guest,
            inventory=1,
            customer_care=0,
            role=share_role,
            invited_by=giver,
            accepted_at=timezone.now(),
        ).pk
    yield shares
    migrate(latest())


def test_the_migration_narrows_a_whole_cockpit_share_to_its_givers_reach(old_world):
    migrate(latest())

    share = Share.objects.get(pk=old_world["petra's"])
    assert [(scope.level, scope.company.name) for scope in share.scopes.all()] == [
        (ScopeLevel.OWNER, "Zurich Property AG")
    ]
    assert share.suspended_at is None
    assert sorted(entity.name for entity in visible_entities(share.user.access_subject(), share.instance)) == [
        "Haus 0",
        "Haus 1",
    ]
    assert AuditLogEntry.objects.filter(action="share.scoped", target_id=str(share.pk)).exists()


def test_the_migration_suspends_a_share_it_cannot_scope_and_keeps_it(old_world):
    migrate(latest())

    share = Share.objects.get(pk=old_world["the leaver's"])
    assert share.suspended_at is not None and not share.scopes.exists()
    assert list(visible_entities(share.user.access_subject(), share.instance)) == []
    assert AuditLogEntry.objects.filter(action="share.suspended", target_id=str(share.pk)).exists()
