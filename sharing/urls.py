from django.urls import path

from sharing import views

app_name = "sharing"

# Under /c/<instance_slug>/shares/.
urlpatterns = [
    path("", views.ShareListView.as_view(), name="share-list"),
    path("new/", views.ShareCreateView.as_view(), name="share-create"),
    path("leave/", views.ShareLeaveView.as_view(), name="share-leave"),
    path("<int:pk>/", views.ShareEditView.as_view(), name="share-edit"),
    path("<int:pk>/remove/", views.ShareRemoveView.as_view(), name="share-remove"),
    path("<int:pk>/resend/", views.ShareResendView.as_view(), name="share-resend"),
]
