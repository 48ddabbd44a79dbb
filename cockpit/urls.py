from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from cockpit import views

cockpit_patterns = (
    [
        path("", views.DashboardView.as_view(), name="dashboard"),
    ],
    "cockpit",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/passkeys/webauthn/", include("accounts.passkey_urls")),
    # Django's set_language: the login page's language switch (signed-in users choose theirs on My account).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("c/<slug:instance_slug>/", include(cockpit_patterns)),
    path("c/<slug:instance_slug>/entities/", include("entities.urls")),
    path("c/<slug:instance_slug>/users/", include("users.urls")),
    path("c/<slug:instance_slug>/shares/", include("sharing.urls")),
    path("c/<slug:instance_slug>/tablets/", include("tablets.urls")),
    path("c/<slug:instance_slug>/plans/", include("plans.urls")),
    path("invitations/", include("sharing.invitation_urls")),
]

handler500 = "cockpit.errors.server_error"
