"""User Management's list: filters, sorting, paging, the CSV export, and the entity search of its forms."""

from dataclasses import asdict, dataclass

from django.core.paginator import Paginator
from django.http import JsonResponse, StreamingHttpResponse
from django.utils.translation import get_language, gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.second_factor import second_factor_status
from core.limits import ListingLimited
from core.query import page_number, query_id, query_text
from entities.access import EntityFilter, entity_page
from entities.models import Role
from entities.requests import CockpitRequest
from users.exports import users_csv
from users.forms import CompanyGrantForm, level_choices
from users.permissions import (
    manageable_people,
    require_manager,
    require_viewer,
)
from users.selectors import (
    SECOND_FACTOR_FILTERS,
    USER_ORDERS,
    USER_STATES,
    managed_users,
    outside_members,
    roles_in_reach,
)
from users.services import BulkKind, users_export_recorded

PAGE_SIZE = 50
# A row names a person's first roles on single entities; the rest are a link away (their own paged list).
ENTITY_GRANTS_SHOWN = 5
MEMBER_KINDS = {
    "": gettext_lazy("Everyone"),
    "employees": gettext_lazy("Employees"),
    "external": gettext_lazy("External"),
    "shared": gettext_lazy("Shared with other cockpits"),
}


ENTITY_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class UserListQuery:
    """The user list's filters and sort as the query string gives them, each checked (unknown values: none)."""

    search: str
    company_id: str
    role_id: str
    second_factor: str
    state: str
    kind: str
    order: str

    @classmethod
    def of(cls, data) -> "UserListQuery":
        def choice(name: str, allowed) -> str:
            value = data.get(name, "")
            return value if value in allowed else ""

        order = data.get("sort", "")
        return cls(
            search=query_text(data.get("q")),
            company_id=str(query_id(data.get("company")) or ""),
            role_id=str(query_id(data.get("role")) or ""),
            second_factor=choice("second_factor", SECOND_FACTOR_FILTERS),
            state=choice("state", USER_STATES),
            kind=choice("kind", MEMBER_KINDS),
            order=order if order.lstrip("-") in USER_ORDERS else "name",
        )

    @property
    def plain(self) -> bool:
        """No company, role, 2FA or state filter: people of other cockpits (Cockpit Shares) have none of these here."""
        return not (self.company_id or self.role_id or self.second_factor or self.state)

    def users(self, reach, *, entity_grants_shown: int | None = None):
        users = managed_users(
            reach=reach,
            search=self.search,
            company_id=int(self.company_id) if self.company_id else None,
            role=Role.objects.filter(pk=int(self.role_id)).first() if self.role_id else None,
            second_factor=self.second_factor,
            state=self.state,
            kind=self.kind,
            order=self.order,
            entity_grants_shown=entity_grants_shown,
        )
        return users if self.kind != "shared" else users.none()


def _describe_rows(reach, members) -> None:
    """What each row shows beyond the user: themselves, manageable, state, entity names the reader may see, 2FA."""
    members = list(members)
    reach.prime_entities([grant.content_object for member in members for grant in member.listed_entity_grants])
    manageable = manageable_people(reach, [m for m in members if m.is_employee]) if reach.is_manager else set()
    for member in members:
        # The reader's own row: their roles to read, never to change (manageable_people leaves them out).
        member.is_you = member.pk == reach.actor.pk
        member.manageable = member.pk in manageable
        member.state_label = USER_STATES[member.state]
        shown = member.listed_entity_grants
        for grant in shown:
            grant.entity_label = reach.entity_label(grant.content_object)
        member.more_entity_grants = getattr(member, "entity_grant_total", len(shown)) - len(shown)
        # From the selector's annotations: no query per row.
        member.second_factor = second_factor_status(
            required=member.second_factor_policy,
            totp=member.has_totp,
            sms=member.has_sms,
            backup=member.has_backup,
            passkey=member.has_passkey,
        )


def bulk_choices(reach) -> dict:
    """What the list's bulk bar offers: the actions, and where and which role, as the manager may grant them."""
    offered = CompanyGrantForm.offered(reach)
    return {
        "bulk_kinds": BulkKind.choices,
        "bulk_levels": level_choices(reach),
        "bulk_companies": offered["company"],
        "bulk_roles": offered["role"],
    }


class UserListView(ListingLimited, TemplateView):
    request: CockpitRequest

    template_name = "users/user_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reach = require_viewer(self.request.user, self.request.instance)
        filters = UserListQuery.of(self.request.GET)
        paginator = Paginator(filters.users(reach, entity_grants_shown=ENTITY_GRANTS_SHOWN), PAGE_SIZE)
        asked = page_number(self.request.GET.get("page"))
        page = paginator.get_page(asked)
        shared = (
            outside_members(reach=reach, search=filters.search)
            if filters.kind in ("", "shared") and filters.plain
            else []
        )
        _describe_rows(reach, page.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        sorting = query.copy()
        sorting.pop("sort", None)
        context.update(
            page=page,
            past_the_end=asked > paginator.num_pages,
            filters=filters,
            search=filters.search,
            company_id=filters.company_id,
            role_id=filters.role_id,
            second_factor=filters.second_factor,
            second_factor_filters=SECOND_FACTOR_FILTERS.items(),
            state=filters.state,
            states=USER_STATES,
            kind=filters.kind,
            member_kinds=MEMBER_KINDS.items(),
            shared=shared,
            companies=reach.listed_companies(),
            read_only=not reach.is_manager,
            roles=roles_in_reach(reach),
            query=query.urlencode(),
            **(bulk_choices(reach) if reach.is_manager else {}),
            sort_query=sorting.urlencode(),
            export_query=query.urlencode(),
        )
        return context


class UserExportView(ListingLimited, View):
    """The users the list shows (same filters, same visibility) as CSV with their grants, streamed and audited.

    A POST (with its CSRF token), so that no other site can make a signed-in browser
    export, or fill the audit log with exports.
    """

    def post(self, request, instance_slug):
        reach = require_viewer(request.user, request.instance)
        filters = UserListQuery.of(request.GET)
        users_export_recorded(
            actor=request.user,
            instance=request.instance,
            filters={name: value for name, value in asdict(filters).items() if value and value != "name"},
        )
        response = StreamingHttpResponse(
            users_csv(reach, filters.users(reach), describe=_describe_rows, language=get_language()),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="users-{request.instance.slug}.csv"'
        return response


class EntitySearchView(ListingLimited, View):
    """Suggestions for the entity picker: visible entities by name, at most 20."""

    def get(self, request, instance_slug):
        require_manager(request.user, request.instance)
        term = query_text(request.GET.get("q"))
        if len(term) < 2:
            return JsonResponse({"results": []})
        page = entity_page(
            request.subject, request.instance, entity_filter=EntityFilter(search=term), per_page=ENTITY_SEARCH_LIMIT
        )
        return JsonResponse(
            {"results": [{"id": entity.pk, "label": f"{entity.name} (#{entity.pk})"} for entity, _, _ in page.rows]}
        )
