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
    """The <tr> of each (entity, role, level) row of an EntityPage."""
    return {"rows": rows, "list_url": list_url, "easy": ProjectForm.EASY}


@register.simple_tag
def filter_options(field) -> SafeString:
    """The <option>s of a company filter, the chosen one selected: hundreds of companies for show-all users."""
    chosen = str(field.value() or "")
    options = []
    for value, label in field.field.widget.choices:
        selected = " selected" if str(value) == chosen else ""
        options.append(f'<option value="{escape(str(value))}"{selected}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # noqa: S308 - values and labels are escaped
