"""Mijn exports: own jobs only, newest first, paged in a constant number of queries; downloads are logged,
answer 404 for another's job, an expired file, or a user who lost access; polling while a job is pending."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob, ExportStatus
from organisations.models import Role
from privacy.exports import SUBJECT_ACCESS
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory, MembershipFactory

from .factories import ExportJobFactory

pytestmark = pytest.mark.django_db
LIST = reverse("exports:list")


def download_url(job):
    return reverse("exports:download", args=[job.uuid])


def test_the_list_shows_only_the_users_own_jobs_newest_first(personas, log_in):
    now = timezone.now()
    older = ExportJobFactory(done=True, requested_by=personas.bureau, created_at=now - datetime.timedelta(hours=2))
    newer = ExportJobFactory(requested_by=personas.bureau, created_at=now)
    theirs = ExportJobFactory(done=True, requested_by=personas.team_lead)
    response = log_in(personas.bureau).get(LIST)
    assert response.status_code == 200
    assert list(response.context["page"]) == [newer, older]
    html = response.content.decode()
    assert download_url(older) in html and download_url(theirs) not in html
    assert download_url(newer) not in html  # still queued: no link yet


@pytest.mark.parametrize("jobs", [1, 45])
def test_the_list_takes_a_constant_number_of_queries(personas, log_in, django_assert_max_num_queries, jobs):
    ExportJobFactory.create_batch(jobs, done=True, requested_by=personas.bureau)
    client = log_in(personas.bureau)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert len(response.context["page"]) == min(jobs, 20)
    with django_assert_max_num_queries(8):
        assert client.get(LIST, {"pagina": 3}).status_code == 200


def test_while_a_job_is_pending_the_list_polls_and_offers_a_refresh_link(personas, log_in):
    ExportJobFactory(requested_by=personas.bureau, status=ExportStatus.RUNNING)
    client = log_in(personas.bureau)
    html = client.get(LIST).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'aria-live="polite"' in html
    assert ">Vernieuwen</a>" in html
    fragment = client.get(LIST, headers={"HX-Request": "true"}).content.decode()
    assert "<h1" not in fragment and 'hx-swap-oob="innerHTML:#export-status"' in fragment


def test_when_nothing_is_pending_the_list_stops_polling(personas, log_in):
    ExportJobFactory(done=True, requested_by=personas.bureau)
    fragment = log_in(personas.bureau).get(LIST, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "Vernieuwen" not in fragment


def test_a_failed_job_shows_why(personas, log_in):
    ExportJobFactory(requested_by=personas.bureau, status=ExportStatus.FAILED, failure="no_access")
    html = log_in(personas.bureau).get(LIST).content.decode()
    assert "Mislukt" in html and "mag deze gegevens niet meer zien" in html


def test_the_owner_downloads_the_file_and_the_download_is_logged_as_an_export(personas, log_in):
    job = ExportJobFactory(done=True, requested_by=personas.bureau)
    response = log_in(personas.bureau).get(download_url(job))
    assert response.status_code == 200 and response.content == bytes(job.content)
    assert response["Content-Disposition"] == 'attachment; filename="monitoring.csv"'
    row = AccessLogEntry.objects.get(action="export")
    assert row.outcome == "allowed" and row.object_uuid == job.uuid and row.channel == "screen"


@pytest.mark.parametrize("persona", ["team_lead", "professional", "privacy_officer", "administrator", "outsider"])
def test_another_users_job_is_not_found(personas, log_in, persona):
    job = ExportJobFactory(done=True, requested_by=personas.bureau)
    assert log_in(getattr(personas, persona)).get(download_url(job)).status_code == 404


def test_an_expired_or_unfinished_job_has_nothing_to_download(personas, log_in):
    past = ExportJobFactory(done=True, requested_by=personas.bureau, expires_at=timezone.now())
    queued = ExportJobFactory(requested_by=personas.bureau)
    client = log_in(personas.bureau)
    assert client.get(download_url(past)).status_code == 404  # past its time, even before the sweep ran
    assert client.get(download_url(queued)).status_code == 404


def test_a_user_who_lost_the_role_cannot_download_a_finished_file(personas, log_in):
    job = ExportJobFactory(done=True, requested_by=personas.team_lead)
    personas.team_lead.role = Role.PROFESSIONAL
    personas.team_lead.save()
    assert log_in(personas.team_lead).get(download_url(job)).status_code == 404
    assert AccessLogEntry.objects.get(action="export").outcome == "refused"


def test_a_subject_export_whose_person_is_gone_cannot_be_downloaded(personas, log_in):
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(household=case.household).person
    job = ExportJobFactory(
        done=True, requested_by=personas.privacy_officer, kind=SUBJECT_ACCESS, format="json", person=person
    )
    client = log_in(personas.privacy_officer)
    assert client.get(download_url(job)).status_code == 200
    assert AccessLogEntry.objects.get(action="export").person_id == person.pk
    job.person = None  # the person was removed: the file is no one's to collect any more
    job.save()
    assert client.get(download_url(job)).status_code == 404


def test_asking_for_an_export_with_bad_filters_says_why_keeps_the_filters_and_makes_no_job(personas, log_in):
    response = log_in(personas.bureau).post(
        reverse("monitoring:export", args=["csv"]), {"start": "2025-12-31", "end": "2025-01-01"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("monitoring:index") + "?start=2025-12-31&end=2025-01-01"
    html = response.content.decode()
    assert "De export kon niet worden aangevraagd" in html and "Tot en met:" in html
    form = response.context["form"]
    assert form.data["start"] == "2025-12-31" and "end" in form.errors  # what was chosen, the error at its field
    assert not ExportJob.objects.exists()
