"""``{% publication_panel report user as pub %}``: what ``_publication_status.html`` shows."""

from django import template

from ..publication_views import status_payload

register = template.Library()


@register.simple_tag
def publication_panel(report, user) -> dict:
    return status_payload(report, user)
