"""Template helpers of the casework screens."""

from django import template

from organisations.models import User
from privacy import policy

register = template.Library()


@register.filter
def may_see_casework(user: User) -> bool:
    """Whether the casework screens (caseload, household pages) are for this user."""
    return policy.may_see_casework(user)
