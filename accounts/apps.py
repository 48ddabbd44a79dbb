from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import remember_sign_in
        from accounts.second_factor import SMS_CODES
        from accounts.services import SECURITY_NOTICES
        from outbox.kinds import MESSAGE_KINDS

        for kind in (SMS_CODES, SECURITY_NOTICES):
            MESSAGE_KINDS.register(kind.code, kind)

        # Ours records the previous login first, then updates last_login as Django's would.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(remember_sign_in, dispatch_uid="accounts.remember_sign_in")


class CockpitAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by the second-factor-requiring site of accounts.admin_site."""

    default = False
    default_site = "accounts.admin_site.CockpitAdminSite"
