"""{% layout_header %} and {% layout_sidebar %}: the page's header and sidebar, as cockpit.layout keeps them."""

from django import template

from cockpit import layout

register = template.Library()


@register.simple_tag(takes_context=True)
def layout_header(context):
    return layout.header(context)


@register.simple_tag(takes_context=True)
def layout_sidebar(context):
    return layout.sidebar(context)
