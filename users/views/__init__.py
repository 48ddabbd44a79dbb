"""User Management's pages: the list (lists.py), one user (user.py), their roles on single entities (grants.py),
staff on a user's second factor (staff.py)."""

from users.views.bulk import UserBulkView
from users.views.grants import EntityGrantsView
from users.views.imports import UserImportTemplateView, UserImportView
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
    "EntityGrantsView",
    "EntitySearchView",
    "ExternalUserView",
    "UserAuthenticatorView",
    "UserBulkView",
    "UserCreateView",
    "UserEditView",
    "UserExplainView",
    "UserExportView",
    "UserImportTemplateView",
    "UserImportView",
    "UserListView",
    "UserReactivateView",
    "UserRemoveView",
    "UserResendWelcomeView",
    "UserSecondFactorResetView",
]
