from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan-list"),
    path("<int:pk>/", views.PlanEntityView.as_view(), name="plan-entity"),
    path("<int:pk>/upload/", views.PlanUploadView.as_view(), name="plan-upload"),
    path("<int:pk>/request/", views.PlanRequestView.as_view(), name="plan-request"),
    path("<int:pk>/clear/", views.PlanClearView.as_view(), name="plan-clear"),
    path("<int:pk>/files/<int:file_pk>/", views.PlanDownloadView.as_view(), name="plan-download"),
]
