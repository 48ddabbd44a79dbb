"""The header and the sidebar of every page, rendered once per distinct content in each process.

Every signed-in page shows them, and through the template engine they cost more than the
entity list's rows and filters together (a dozen links reversed, twenty strings translated).
Yet they are drawn from a handful of values: the language, the cockpit, the person's name and
company, the cockpits of the switcher, which pages the sidebar offers and the page's section.
Those values are `LayoutFacts`, and the rendered HTML is kept under them: the same facts, the
same HTML. Correct by construction: the two templates read nothing but the facts, and the facts
are read on every request from the same permission functions as before (the context processor
`cockpit.context_processors.cockpit`), so a change of a right, a share or a name shows on the
next page. Only the log-out form's CSRF field is the request's own: the kept HTML holds a mark
in its place.
"""

from dataclasses import dataclass, replace
from functools import lru_cache

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Not HTML a template could ever write: the kept header holds it where the CSRF field goes.
CSRF_MARK = mark_safe("\x00csrf\x00")  # noqa: S308 - a constant, replaced before any response


@dataclass(frozen=True, slots=True)
class LayoutFacts:
    """Everything the header and the sidebar show; the key under which their HTML is kept."""

    language: str
    initial: str
    full_name: str
    email: str
    company: str
    can_open_admin: bool
    cockpit_slug: str = ""
    cockpit_name: str = ""
    # The switcher's cockpits: (URL, name, shared, the current one).
    cockpits: tuple[tuple[str, str, bool, bool], ...] = ()
    section: str = ""
    on_dashboard: bool = False
    can_see_entities: bool = False
    can_use_tablets: bool = False
    can_use_plans: bool = False
    can_manage_users: bool = False
    can_manage_shares: bool = False


def layout_facts(context) -> LayoutFacts:
    """The facts of the page being rendered, from its context (the request and the cockpit context processor)."""
    if "layout_facts" in context.render_context:
        return context.render_context["layout_facts"]
    facts = context.render_context["layout_facts"] = _facts(context)
    return facts


def _facts(context) -> LayoutFacts:
    request = context["request"]
    user = request.user
    email = getattr(user, "email", "")  # an error page may be shown to someone not signed in
    company = getattr(user, "company", None)
    person = LayoutFacts(
        language=translation.get_language(),
        initial=(getattr(user, "first_name", "")[:1] or email[:1]).upper(),
        full_name=(user.get_full_name() if user.is_authenticated else "") or email,
        email=email,
        company=company.name if company is not None else "",
        can_open_admin=bool(context.get("can_open_admin")),
    )
    instance = context.get("current_instance")
    if instance is None:
        return person
    match = request.resolver_match
    return replace(
        person,
        cockpit_slug=instance.slug,
        cockpit_name=instance.name,
        cockpits=tuple(
            (other.get_absolute_url(), other.name, cockpit.shared, other.pk == instance.pk)
            for cockpit in context["available_cockpits"]
            for other in (cockpit.instance,)
        ),
        section=match.namespace if match else "",
        on_dashboard=bool(match and match.view_name == "cockpit:dashboard"),
        can_see_entities=bool(context["can_see_entities"]),
        can_use_tablets=bool(context["can_use_tablets"]),
        can_use_plans=bool(context["can_use_plans"]),
        can_manage_users=bool(context["can_manage_users"]),
        can_manage_shares=bool(context["can_manage_shares"]),
    )


@lru_cache(maxsize=2048)
def _rendered(template_name: str, facts: LayoutFacts) -> str:
    with translation.override(facts.language):
        return render_to_string(template_name, {"layout": facts, "csrf_mark": CSRF_MARK})


def header(context) -> SafeString:
    """The page's header, its log-out form with this request's CSRF field."""
    html = _rendered("includes/layout_header.html", layout_facts(context))
    field = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(context["request"]))
    return mark_safe(html.replace(CSRF_MARK, field))  # noqa: S308 - rendered by the template engine, escaped there


def sidebar(context) -> SafeString:
    """The cockpit page's sidebar."""
    return mark_safe(_rendered("includes/layout_sidebar.html", layout_facts(context)))  # noqa: S308 - as header()
