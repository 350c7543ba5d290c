from django import template

from organisations.models import User
from privacy import policy

register = template.Library()


@register.filter
def may_handle_privacy(user: User) -> bool:
    """Whether the privacy officer's screens (start page, requests, log, retention) are for this user."""
    return policy.may_handle_privacy(user)
