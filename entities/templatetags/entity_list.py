"""The entity list's rows, built like the admin's change list rows (items_for_result) but in one pass.

The list is the product's hottest page: every text is escaped with the standard
library's html.escape (what django.utils.html.escape calls), without format_html's
lazy-string wrappers, which cost more than the rest of the row.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from entities.models import ProjectForm

register = template.Library()

ROW = (
    '<tr><td data-label="{l_name}"><a href="{url}{pk}/"><strong>{name}</strong></a><br>'
    '<span class="muted small">{address}</span>{easy}</td>'
    '<td data-label="{l_owner}"><a class="quiet" href="?owner={owner_pk}">{owner}</a></td>'
    '<td data-label="{l_provider}"><a class="quiet" href="?service_provider={provider_pk}">{provider}</a></td>'
    '<td data-label="{l_customer}"><a class="quiet" href="?customer={customer_pk}">{customer}</a></td>'
    '<td data-label="{l_role}"><span class="badge brand">{role}</span></td></tr>'
)


@register.simple_tag
def entity_rows(rows, list_url: str) -> SafeString:
    """The <tr> of each (entity, role, level) row of an EntityPage, every text escaped."""
    url = escape(list_url)
    easy = f' <span class="badge">{escape(_("Easy"))}</span>'
    # Each cell names its column, for the stacked cards a phone shows instead of the table.
    labels = {
        "l_name": escape(_("Name")),
        "l_owner": escape(_("Owner")),
        "l_provider": escape(_("Service provider")),
        "l_customer": escape(_("Customer")),
        "l_role": escape(_("Your role")),
    }
    return mark_safe(  # noqa: S308 - every interpolated text is escaped above or below; ids are ints
        "\n".join(
            ROW.format(
                url=url,
                pk=int(entity.pk),
                name=escape(entity.name),
                address=escape(entity.address),
                easy=easy if entity.project_form == ProjectForm.EASY else "",
                owner_pk=int(entity.owner.pk),
                owner=escape(entity.owner.name),
                provider_pk=int(entity.service_provider.pk),
                provider=escape(entity.service_provider.name),
                customer_pk=int(entity.customer.pk),
                customer=escape(entity.customer.name),
                role=escape(role.name),
                **labels,
            )
            for entity, role, _level in rows
        )
    )


@register.simple_tag
def filter_options(field) -> SafeString:
    """The <option>s of a company filter, the chosen one selected: hundreds of companies for show-all users."""
    chosen = str(field.value() or "")
    options = []
    for value, label in field.field.widget.choices:
        selected = " selected" if str(value) == chosen else ""
        options.append(f'<option value="{escape(str(value))}"{selected}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # noqa: S308 - values and labels are escaped
