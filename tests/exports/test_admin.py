"""Export jobs in the admin: read-only for superusers, and never the file itself."""

import pytest
from django.urls import reverse

from tests.organisations.factories import UserFactory

from .factories import ExportJobFactory

pytestmark = pytest.mark.django_db


def test_a_superuser_reads_who_asked_for_what_but_never_the_file(log_in):
    job = ExportJobFactory(done=True, content=b"BSN 111222333 in het bestand")
    client = log_in(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:exports_exportjob_changelist"))
    assert listing.status_code == 200 and str(job.uuid) in listing.content.decode()
    url = reverse("admin:exports_exportjob_change", args=[job.pk])
    detail = client.get(url).content.decode()
    assert "Monitoringsdashboard" in detail or "monitoringsdashboard" in detail
    assert "111222333" not in detail and "in het bestand" not in detail
    client.post(url, {"status": "failed"})
    job.refresh_from_db()
    assert job.status == "done"  # read-only: nothing changes
    assert client.get(reverse("admin:exports_exportjob_add")).status_code == 403
