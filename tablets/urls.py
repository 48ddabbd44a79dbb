from django.urls import path

from tablets import views

app_name = "tablets"

# Under /c/<instance_slug>/tablets/.
urlpatterns = [
    path("", views.TabletListView.as_view(), name="tablet-list"),
    path("add/", views.TabletAddView.as_view(), name="tablet-add"),
    path("bulk/", views.TabletBulkAddView.as_view(), name="tablet-bulk-add"),
    path("<int:pk>/", views.TabletDetailView.as_view(), name="tablet-detail"),
    path("<int:pk>/edit/", views.TabletEditView.as_view(), name="tablet-edit"),
    path("<int:pk>/assign/", views.TabletAssignView.as_view(), name="tablet-assign"),
    path("<int:pk>/unassign/", views.TabletUnassignView.as_view(), name="tablet-unassign"),
    path("<int:pk>/retire/", views.TabletRetireView.as_view(), name="tablet-retire"),
]
