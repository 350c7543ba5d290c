"""The main navigation: the screens this user may open, asked of the policy (the views check again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.verification import is_verified
from privacy import policy

register = template.Library()


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    current: bool


@register.inclusion_tag("privacy/_main_navigation.html", takes_context=True)
def main_navigation(context: template.Context) -> dict[str, Any]:
    """``{% main_navigation %}``: one ``<li>`` per screen, the page being shown marked as current.

    Built from the policy's predicates only: a role gains or loses a link where the
    policy changes, never in a template.
    """
    request = context.get("request")
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"links": []}
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match is not None else None
    casework = policy.may_see_casework(user)
    screens: list[tuple[bool, str, str]] = [
        (True, "home", _("Today")),
        (casework, "cases:caseload", _("My caseload")),
        (casework, "cases:reminders", _("Reminders")),
        (casework, "cases:search", _("Find a household")),
        (casework, "cases:referral-create", _("New referral")),
        (casework, "cases:inbox", _("Team inbox")),
        (casework, "funding:team_blockages", _("Blockages")),
        (casework, "cases:area", _("Our area")),
        (policy.may_review_duplicates(user), "cases:duplicate-queue", _("Possible duplicates")),
        (policy.may_see_blockage_register(user), "funding:register", _("Blockage register")),
        (policy.may_see_funding_aggregates(user), "funding:audit", _("Funding flows")),
        (policy.may_import_spend(user), "funding:spend_imports", _("Spend imports")),
        (policy.may_see_monitoring(user), "monitoring:index", _("Monitoring")),
        (policy.may_handle_privacy(user), "privacy:home", _("Privacy")),
        (policy.may_handle_privacy(user), "privacy:requests", _("Data-subject requests")),
        (policy.may_handle_privacy(user), "privacy:log", _("Access log")),
        (policy.may_see_membership_changes(user), "organisations:membership-changes", _("Changes to your team")),
        (policy.may_change_team_settings(user), "organisations:team-settings", _("Team settings")),
        (policy.may_use_admin_site(user), "admin:index", _("Administration")),
        (policy.may_see_background_work(user), "jobs:probe", _("Background work")),
    ]
    return {"links": [Link(reverse(name), label, name == here) for allowed, name, label in screens if allowed]}


@register.inclusion_tag("privacy/_header_search.html", takes_context=True)
def header_search(context: template.Context) -> dict[str, Any]:
    """``{% header_search %}``: a household search box on every page for who may search (issue 15).

    It POSTs to the search screen like the full form does, so a name never lands in a URL, a
    browser history or a server log.
    """
    request = context.get("request")
    user: Any = getattr(request, "user", None)
    # is_verified() called: django-otp's attribute is a method, and a bound method is always true.
    show = user is not None and is_verified(user) and policy.may_see_casework(user)
    return {"show": show, "csrf_token": context.get("csrf_token")}
