"""User Management's pages: the list (lists.py), one user (user.py), staff on a user's second factor (staff.py)."""

from users.views.lists import EntitySearchView, UserExportView, UserListView
from users.views.staff import UserAuthenticatorView, UserSecondFactorResetView
from users.views.user import (
    ExternalUserView,
    UserCreateView,
    UserEditView,
    UserExplainView,
    UserReactivateView,
    UserRemoveView,
    UserResendWelcomeView,
)

__all__ = [
    "EntitySearchView",
    "ExternalUserView",
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
