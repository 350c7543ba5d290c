from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases.api import views as cases
from funding.api.views import (
    AllocationViewSet,
    BlockageViewSet,
    FundingFlowReportViewSet,
    FundingStreamViewSet,
    SiloViewSet,
    SpendImportViewSet,
)
from monitoring.api import ProgrammeReportViewSet
from organisations.api import AreaViewSet, OrganisationViewSet, TeamViewSet
from themes.api import InstrumentViewSet, ThemeViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # one URL per resource: JSON only
router.register("households", cases.HouseholdViewSet, basename="household")
router.register("persons", cases.PersonViewSet, basename="person")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("involvements", cases.InvolvementViewSet, basename="involvement")
router.register("plans", cases.PlanViewSet, basename="plan")
router.register("goals", cases.GoalViewSet, basename="goal")
router.register("actions", cases.ActionViewSet, basename="action")
router.register("contacts", cases.ContactViewSet, basename="contact")
router.register("case-conferences", cases.CaseConferenceViewSet, basename="case-conference")
router.register("measurements", cases.MeasurementViewSet, basename="measurement")
router.register("consents", cases.ConsentViewSet, basename="consent")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("teams", TeamViewSet, basename="team")
router.register("areas", AreaViewSet, basename="area")
router.register("themes", ThemeViewSet, basename="theme")
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("silos", SiloViewSet, basename="silo")
router.register("funding-streams", FundingStreamViewSet, basename="funding-stream")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("blockages", BlockageViewSet, basename="blockage")
router.register("spend-imports", SpendImportViewSet, basename="spend-import")
router.register("reports/funding-flows", FundingFlowReportViewSet, basename="report-funding-flows")
router.register("reports/programme", ProgrammeReportViewSet, basename="report-programme")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
