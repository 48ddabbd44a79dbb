from django.http import Http404

from accounts.models import User
from entities.models import Instance


def user_can_enter_cockpit(user: User, instance: Instance) -> bool:
    """A user works in their home cockpit (the instance of their company)."""
    return user.is_authenticated and user.is_active and user.instance_id == instance.pk


def access_cockpit(user: User, slug: str) -> Instance:
    """The active cockpit `slug` if the user may work in it; Http404 when missing or not theirs alike."""
    home = user.company.instance if user.is_authenticated else None
    # The home cockpit came fresh with the user (EmailBackend.get_user); no second query.
    instance = home if home is not None and home.slug == slug else None
    if instance is None:
        instance = Instance.objects.filter(slug=slug).first()
    if instance is not None and not instance.is_active:
        instance = None
    if instance is None or not user_can_enter_cockpit(user, instance):
        raise Http404("No such cockpit.")
    return instance


def cockpits_of(user: User) -> list[Instance]:
    """The cockpits the user may switch between, home cockpit first."""
    if not user.is_authenticated:
        return []
    home = user.company.instance
    return [home] if home.is_active else []
