from django.contrib import admin
from django.urls import include, path

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
    path("admin/", admin.site.urls),
    path("c/<slug:instance_slug>/", include(cockpit_patterns)),
    path("c/<slug:instance_slug>/entities/", include("entities.urls")),
    path("c/<slug:instance_slug>/users/", include("accounts.cockpit_urls")),
    path("c/<slug:instance_slug>/shares/", include("sharing.urls")),
    path("invitations/", include("sharing.invitation_urls")),
]
