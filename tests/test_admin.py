import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.organisations.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["organisations", "themes", "funding", "cases", "privacy", "jobs", "accounts"]

# Append-only or machine-written records: the admin shows them but nobody adds or edits one by hand.
READ_ONLY_MODELS = {
    "privacy.accesslogentry",
    "privacy.accessloganchor",
    "privacy.datasubjectrequest",
    "privacy.disclosuredecision",
    "privacy.officervisit",
    "jobs.outboxmessage",
    "jobs.taskexecution",
    "jobs.probe",
    "accounts.apitoken",
    "cases.reminder",
    "cases.document",
    "cases.documentcontent",
    "cases.duplicatedecision",
    "cases.merge",
    "cases.meldcodestep",
    "cases.casetransfer",
}


def project_models() -> list:
    # Write history (simple_history's Historical* models) is shown on the household page, not in the admin.
    return [
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]


def test_every_project_model_is_registered_in_the_admin() -> None:
    missing = [model._meta.label for model in project_models() if not admin.site.is_registered(model)]
    assert missing == []


def test_every_registered_model_has_search_and_list_filters() -> None:
    for model in project_models():
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, model._meta.label
        assert model_admin.list_filter or model._meta.model_name in {"theme", "organisationkind"}, model._meta.label


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_every_admin_changelist_and_add_page_opens(log_in, model) -> None:
    client = log_in(UserFactory(is_staff=True, is_superuser=True))
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist, {"q": "a"}).status_code == 200
    expected = 403 if opts.label_lower in READ_ONLY_MODELS else 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == expected
