"""The entity list's rows and its company filters' options.

The rows are a template (entities/includes/entity_rows.html), rendered once per page
with its loop inside: one include per row would cost a template render per row on the
product's hottest page.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from entities.models import ProjectForm

register = template.Library()


@register.inclusion_tag("entities/includes/entity_rows.html")
def entity_rows(rows, list_url: str) -> dict:
    """The <tr> of each (entity, role, level) row of an EntityPage.

    Each row goes to the template as a flat dict: a template variable found in a dict at
    the first try costs a third less than one looked up through attributes (measured: 50
    rows, 3.6 ms with the objects, 2.4 ms with dicts, building them included).
    """
    return {
        "list_url": list_url,
        "rows": [
            {
                "pk": entity.pk,
                "name": entity.name,
                "address": entity.address,
                "easy": entity.project_form == ProjectForm.EASY,
                "owner_id": entity.owner_id,
                "owner": entity.owner.name,
                "provider_id": entity.service_provider_id,
                "provider": entity.service_provider.name,
                "customer_id": entity.customer_id,
                "customer": entity.customer.name,
                "role": role.name,
            }
            for entity, role, _level in rows
        ],
    }


@register.simple_tag
def filter_options(field) -> SafeString:
    """The <option>s of a company filter, the chosen one selected: hundreds of companies for show-all users."""
    chosen = str(field.value() or "")
    options = []
    for value, label in field.field.widget.choices:
        selected = " selected" if str(value) == chosen else ""
        options.append(f'<option value="{escape(str(value))}"{selected}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # noqa: S308 - values and labels are escaped
