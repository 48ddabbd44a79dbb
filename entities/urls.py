from django.urls import path

from entities import views

app_name = "entities"

urlpatterns = [
    path("", views.EntityListView.as_view(), name="entity-list"),
    path("<int:pk>/", views.EntityDetailView.as_view(), name="entity-detail"),
    path("<int:pk>/<slug:section>/", views.EntitySectionView.as_view(), name="entity-section"),
    path("<int:pk>/<slug:section>/edit/", views.EntitySectionEditView.as_view(), name="entity-section-edit"),
]
