"""The entity list's rows, built like the admin's change list rows (items_for_result): one format_html per row.

The list is the product's hottest page; rendering its rows here costs a tenth of the template loop.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from entities.models import ProjectForm

register = template.Library()

ROW = (
    '<tr><td><a href="{}{}/"><strong>{}</strong></a><br><span class="muted small">{}</span>{}</td>'
    '<td><a class="quiet" href="?owner={}">{}</a></td>'
    '<td><a class="quiet" href="?service_provider={}">{}</a></td>'
    '<td><a class="quiet" href="?customer={}">{}</a></td>'
    '<td><span class="badge brand">{}</span></td></tr>'
)


@register.simple_tag
def entity_rows(rows, list_url: str) -> SafeString:
    """The <tr> of each (entity, role, level) row of an EntityPage."""
    easy = format_html(' <span class="badge">{}</span>', _("Easy"))
    return format_html_join(
        "\n",
        ROW,
        (
            (
                list_url,
                entity.pk,
                entity.name,
                entity.address,
                easy if entity.project_form == ProjectForm.EASY else "",
                entity.owner.pk,
                entity.owner.name,
                entity.service_provider.pk,
                entity.service_provider.name,
                entity.customer.pk,
                entity.customer.name,
                role.name,
            )
            for entity, role, _level in rows
        ),
    )
