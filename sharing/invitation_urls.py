from django.urls import path

from sharing import views

app_name = "invitations"

# Outside any cockpit: the invitee is not in the shared cockpit until the link is followed.
urlpatterns = [
    path("<str:token>/", views.InvitationView.as_view(), name="accept"),
]
