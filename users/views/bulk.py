"""One action for many people of the user list: chosen rows or all the filters match, confirmed, then applied."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from accounts.models import User
from entities.models import Level
from entities.requests import CockpitRequest
from users.forms import BulkActionForm
from users.permissions import Reach, manageable_people, require_manager
from users.services import PEOPLE_PER_BATCH, BulkKind, users_bulk_apply
from users.views.lists import UserListQuery

# How many of the chosen people the confirmation names; it counts them all.
NAMED = 20


class UserBulkView(View):
    """POST `op=review` from the list: the confirmation, saying how many people change and how. POST `op=apply`
    from the confirmation: users.services.users_bulk_apply, one transaction, one audit batch."""

    request: CockpitRequest
    http_method_names = ["post"]

    def post(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        form = BulkActionForm(request.POST, reach=reach)
        back = reverse("users:user-list", args=[instance_slug])
        query = request.POST.get("query", "")
        if query:
            back = f"{back}?{QueryDict(query).urlencode()}"
        if not form.is_valid():
            messages.error(request, _("Choose an action and the people it is for; nothing was changed."))
            return redirect(back)
        ids = self.chosen(reach, form, query)
        if request.POST.get("op") != "apply":
            return self.review(request, form, ids, query)
        try:
            result = users_bulk_apply(actor=request.user, instance=request.instance, user_ids=ids, action=form.action())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages) + " " + _("Nothing was changed."))
            return redirect(back)
        done = ngettext("Done for %(count)s person.", "Done for %(count)s people.", result.changed) % {
            "count": result.changed
        }
        if result.unchanged:
            done += " " + ngettext(
                "%(count)s was already so or not concerned.",
                "%(count)s were already so or not concerned.",
                result.unchanged,
            ) % {"count": result.unchanged}
        messages.success(request, f"{done} " + _("Batch %(batch)s in the history.") % {"batch": result.batch})
        return redirect(back)

    def chosen(self, reach: Reach, form: BulkActionForm, query: str) -> list[int]:
        """The checked rows, or every person the list's filters match whom the manager may change (up to the cap)."""
        if not form.cleaned_data["all_matching"]:
            return form.cleaned_data["users"]
        people = UserListQuery.of(QueryDict(query)).users(reach)[: PEOPLE_PER_BATCH + 1]
        manageable = manageable_people(reach, [person for person in people if person.is_employee])
        return [person.pk for person in people if person.pk in manageable]

    def review(self, request, form: BulkActionForm, ids: list[int], query: str):
        action = form.action()
        people = list(User.objects.filter(pk__in=ids[:NAMED], company__instance=request.instance).order_by("email"))
        return TemplateResponse(
            request,
            "users/user_bulk_confirm.html",
            {
                "form": form,
                "ids": ids,
                "count": len(ids),
                "named": people,
                "more": max(0, len(ids) - len(people)),
                "action": action,
                "kind_label": BulkKind(action.kind).label,
                "level_label": Level(action.level).label if action.level else "",
                "query": query,
                "too_many": len(ids) > PEOPLE_PER_BATCH,
                "most": PEOPLE_PER_BATCH,
            },
        )
