"""A person's own pages: signing in (signin.py) and their account (account.py)."""

from accounts.views.account import DeviceRemoveView, MyAccountView, OtherSessionsEndView, PasswordConfirmView
from accounts.views.passkeys import PasskeyAddedView, PasskeyAddView, PasskeyRemoveView
from accounts.views.signin import (
    BackupCodesView,
    LoginView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    SecondFactorSetupView,
    SecondFactorView,
)

__all__ = [
    "BackupCodesView",
    "DeviceRemoveView",
    "LoginView",
    "MyAccountView",
    "OtherSessionsEndView",
    "PasswordChangeView",
    "PasswordConfirmView",
    "PasswordResetConfirmView",
    "PasskeyAddView",
    "PasskeyAddedView",
    "PasskeyRemoveView",
    "PasswordResetView",
    "SecondFactorSetupView",
    "SecondFactorView",
]
