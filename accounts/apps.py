from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

# How the audit log names the changes of a person's account and of how they sign in.
ACCOUNT_ACTIONS = {
    "user.created": _("User created"),
    "user.changed": _("User changed"),
    "user.password_changed": _("Password changed"),
    "user.sign_in_locked": _("Sign-in locked after wrong passwords"),
    "user.second_factor_locked": _("Second factor locked after wrong codes"),
    "user.second_factor_reset": _("Second factor reset"),
    "user.sessions_ended": _("Sessions logged out"),
    "device.created": _("Sign-in method created"),
    "device.confirmed": _("Sign-in method confirmed"),
    "device.removed": _("Sign-in method removed"),
    "device.backup_codes_generated": _("Backup codes generated"),
    "second_factor.policy_changed": _("Second-factor policy changed"),
}
# Changes that are no field of the person: the sign-in method, the address a locked sign-in came from.
ACCOUNT_CHANGES = {"device": _("Sign-in method"), "ip": _("IP address")}


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import remember_sign_in
        from accounts.second_factor import SMS_CODES
        from accounts.services import SECURITY_NOTICES
        from entities.models import AUDIT_ACTIONS, AUDIT_CHANGES
        from outbox.kinds import MESSAGE_KINDS

        AUDIT_ACTIONS.register_all(ACCOUNT_ACTIONS)
        AUDIT_CHANGES.register_all(ACCOUNT_CHANGES)
        for kind in (SMS_CODES, SECURITY_NOTICES):
            MESSAGE_KINDS.register(kind.code, kind)

        # Ours records the previous login first, then updates last_login as Django's would.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(remember_sign_in, dispatch_uid="accounts.remember_sign_in")


class CockpitAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by the second-factor-requiring site of accounts.admin_site."""

    default = False
    default_site = "accounts.admin_site.CockpitAdminSite"
