import pytest

from entities.models import Level
from sharing.invitations import share_accept
from sharing.models import SharingSettings
from sharing.modules import ShareLevel
from sharing.services import share_invite, sharing_settings_save
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role
from tests.support.sharing import OWNER_NAME


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name=OWNER_NAME)


@pytest.fixture
def admin(owner):
    """A company admin of the shared cockpit: Projectmanager of its owner company."""
    user = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra")
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    return user


@pytest.fixture
def partner(other_instance):
    """A company of the other cockpit whose users may receive shares."""
    return CompanyFactory(instance=other_instance, name="Rhein Clean GmbH")


@pytest.fixture
def guest(partner):
    """A user of the other cockpit, the one the cockpit is shared with."""
    return UserFactory(company=partner, email="gina@rhein.example", first_name="Gina", language="en")


@pytest.fixture
def building(instance, owner):
    return BusinessEntityFactory(instance=instance, owner=owner, name="Klinik Nord")


@pytest.fixture
def shareable(instance, operator_admin, partner):
    """The operator switched sharing on for the cockpit and allow-listed the partner."""
    return sharing_settings_save(
        actor=operator_admin,
        settings=SharingSettings(instance=instance),
        is_shareable=True,
        allowed_companies=[partner],
    )


@pytest.fixture
def invite(admin, owner, instance, other_instance, shareable, mailoutbox, django_capture_on_commit_callbacks):
    """Invite the guest to the admin's reach (the entities owned by their company); returns (share, token)."""

    def _invite(user, inventory=ShareLevel.READ, customer_care=ShareLevel.NONE, ends_on=None):
        with django_capture_on_commit_callbacks(execute=True):
            share, _delivery = share_invite(
                actor=admin,
                instance=instance,
                cockpit=other_instance,
                email=user.email,
                inventory=inventory,
                customer_care=customer_care,
                scopes=[(Level.OWNER, owner.pk)],
                ends_on=ends_on,
            )
        token = mailoutbox[-1].body.split("/invitations/")[1].split("/")[0]
        return share, token

    return _invite


@pytest.fixture
def shared_with(invite):
    """An accepted share of the cockpit for `user`."""

    def _shared(user, **levels):
        share, token = invite(user, **levels)
        return share_accept(user=user, token=token)

    return _shared
