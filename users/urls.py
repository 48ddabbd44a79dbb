from django.urls import path

from users import views
from users.views.audit_export import AuditExportView
from users.views.reviews import (
    ReviewDetailView,
    ReviewExportView,
    ReviewListView,
    ReviewStartView,
    ReviewStopView,
)

app_name = "users"

urlpatterns = [
    path("", views.UserListView.as_view(), name="user-list"),
    path("new/", views.UserCreateView.as_view(), name="user-create"),
    path("export.csv", views.UserExportView.as_view(), name="user-export"),
    path("bulk/", views.UserBulkView.as_view(), name="user-bulk"),
    path("audit-log/export/", AuditExportView.as_view(), name="audit-export"),
    path("import/", views.UserImportView.as_view(), name="user-import"),
    path("import/template.csv", views.UserImportTemplateView.as_view(), name="user-import-template"),
    path("entity-search/", views.EntitySearchView.as_view(), name="entity-search"),
    path("<int:pk>/", views.UserEditView.as_view(), name="user-edit"),
    path("<int:pk>/external/", views.ExternalUserView.as_view(), name="user-external"),
    path("<int:pk>/entities/", views.EntityGrantsView.as_view(), name="user-entity-grants"),
    path("<int:pk>/access/", views.UserExplainView.as_view(), name="user-explain"),
    path("<int:pk>/remove/", views.UserRemoveView.as_view(), name="user-remove"),
    path("<int:pk>/reactivate/", views.UserReactivateView.as_view(), name="user-reactivate"),
    path("<int:pk>/resend-welcome/", views.UserResendWelcomeView.as_view(), name="user-resend-welcome"),
    path("<int:pk>/authenticator/", views.UserAuthenticatorView.as_view(), name="user-authenticator"),
    path("<int:pk>/second-factor-reset/", views.UserSecondFactorResetView.as_view(), name="user-second-factor-reset"),
    path("reviews/", ReviewListView.as_view(), name="review-list"),
    path("reviews/new/", ReviewStartView.as_view(), name="review-start"),
    path("reviews/<int:pk>/", ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<int:pk>/stop/", ReviewStopView.as_view(), name="review-stop"),
    path("reviews/<int:pk>/export.csv", ReviewExportView.as_view(), name="review-export"),
]
