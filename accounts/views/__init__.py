"""Accounts' pages: signing in (signin.py), a user's own account (account.py) and User Management (management.py)."""

from accounts.views.account import DeviceRemoveView, MyAccountView, OtherSessionsEndView, PasswordConfirmView
from accounts.views.management import (
    EntitySearchView,
    ExternalUserView,
    UserCreateView,
    UserEditView,
    UserExplainView,
    UserExportView,
    UserListView,
    UserReactivateView,
    UserRemoveView,
    UserResendWelcomeView,
)
from accounts.views.signin import (
    BackupCodesView,
    LoginView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    SecondFactorSetupView,
    SecondFactorView,
)
from accounts.views.staff import UserAuthenticatorView, UserSecondFactorResetView

__all__ = [
    "BackupCodesView",
    "DeviceRemoveView",
    "MyAccountView",
    "OtherSessionsEndView",
    "EntitySearchView",
    "ExternalUserView",
    "LoginView",
    "PasswordChangeView",
    "PasswordConfirmView",
    "PasswordResetConfirmView",
    "PasswordResetView",
    "SecondFactorSetupView",
    "SecondFactorView",
    "UserAuthenticatorView",
    "UserCreateView",
    "UserEditView",
    "UserExplainView",
    "UserExportView",
    "UserListView",
    "UserReactivateView",
    "UserRemoveView",
    "UserResendWelcomeView",
    "UserSecondFactorResetView",
]
