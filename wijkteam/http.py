from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from organisations.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request type of views behind login_required: ``user`` is a real user.

    ``htmx`` is set on every request by django_htmx's middleware.
    """

    user: User
    htmx: HtmxDetails
