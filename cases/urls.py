"""Casework URLs. Personal data is addressed by UUID only, never by integer id or BSN."""

from django.urls import path

from .formviews import duplicates, inbox, meldcode, network, people, plan, records, referral, search
from .views import audit, contacts, documents, key_figures, pages, reminders

app_name = "cases"

case = "casussen/<uuid:case>/"

urlpatterns = [
    path("aanmeldingen/nieuw/", referral.ReferralCreateView.as_view(), name="referral-create"),
    path("zoeken/", search.SearchView.as_view(), name="search"),
    path("duplicaten/", duplicates.duplicate_queue, name="duplicate-queue"),
    path("duplicaten/personen/<uuid:first>/<uuid:second>/", duplicates.person_merge, name="person-merge"),
    path("duplicaten/huishoudens/<uuid:first>/<uuid:second>/", duplicates.household_merge, name="household-merge"),
    path("duplicaten/samenvoegingen/<uuid:uuid>/ongedaan-maken/", duplicates.merge_undo, name="merge-undo"),
    path(f"{case}plan/", plan.PlanEditView.as_view(), name="plan-edit"),
    path(f"{case}plan/versies/", plan.PlanVersionsView.as_view(), name="plan-versions"),
    path(f"{case}plan/versies/<int:number>/", plan.PlanVersionView.as_view(), name="plan-version"),
    path(f"{case}plan/afdrukken/", plan.PlanPrintView.as_view(), name="plan-print"),
    path(f"{case}acties/nieuw/", records.ActionCreateView.as_view(), name="action-create"),
    path(f"{case}acties/<uuid:action>/status/", records.ActionStatusView.as_view(), name="action-status"),
    path(f"{case}acties/<uuid:action>/corrigeren/", records.ActionCorrectView.as_view(), name="action-correct"),
    path(f"{case}contacten/<uuid:contact>/corrigeren/", records.ContactCorrectView.as_view(), name="contact-correct"),
    path(f"{case}meldcode/", meldcode.MeldcodeView.as_view(), name="meldcode"),
    path(f"{case}metingen/nieuw/", records.MeasurementCreateView.as_view(), name="measurement-create"),
    path(f"{case}casusoverleggen/nieuw/", records.ConferenceCreateView.as_view(), name="conference-create"),
    path(f"{case}regisseur/", people.CoordinatorAssignView.as_view(), name="coordinator-assign"),
    path(f"{case}status/", people.CaseTransitionView.as_view(), name="case-transition"),
    path(f"{case}betrokkenen/nieuw/", people.InvolvementCreateView.as_view(), name="involvement-create"),
    path(
        f"{case}betrokkenen/<uuid:involvement>/beeindigen/",
        people.InvolvementEndView.as_view(),
        name="involvement-end",
    ),
    path(f"{case}leden/nieuw/", people.MemberCreateView.as_view(), name="member-create"),
    path(f"{case}leden/<uuid:person>/vertrek/", people.MemberEndView.as_view(), name="member-end"),
    path(f"{case}toestemmingen/nieuw/", people.ConsentCreateView.as_view(), name="consent-create"),
    path(f"{case}toestemmingen/<uuid:consent>/intrekken/", people.ConsentRevokeView.as_view(), name="consent-revoke"),
    path("aanmeldingen/", inbox.inbox_page, name="inbox"),
    path(f"{case}aanmelding/aannemen/", inbox.ReferralAcceptView.as_view(), name="referral-accept"),
    path(f"{case}aanmelding/afwijzen/", inbox.ReferralRejectView.as_view(), name="referral-reject"),
    path(f"{case}aanmelding/doorsturen/", inbox.ReferralForwardView.as_view(), name="referral-forward"),
    path(f"{case}overdragen/", inbox.TransferRequestView.as_view(), name="transfer-request"),
    path("overdrachten/<uuid:transfer>/aannemen/", inbox.TransferAcceptView.as_view(), name="transfer-accept"),
    path("overdrachten/<uuid:transfer>/afwijzen/", inbox.TransferDeclineView.as_view(), name="transfer-decline"),
    path("huishoudens/<uuid:uuid>/nieuwe-casus/", inbox.KnownHouseholdCaseView.as_view(), name="household-new-case"),
    path("huishoudens/<uuid:uuid>/netwerk/nieuw/", network.NetworkCreateView.as_view(), name="network-create"),
    path("huishoudens/<uuid:uuid>/netwerk/<uuid:entry>/", network.NetworkEditView.as_view(), name="network-edit"),
    path(
        "huishoudens/<uuid:uuid>/netwerk/<uuid:entry>/beeindigen/",
        network.NetworkEndView.as_view(),
        name="network-end",
    ),
    path(f"{case}documenten/", documents.DocumentListView.as_view(), name="document-list"),
    path(f"{case}documenten/<uuid:document>/", documents.document_download, name="document-download"),
    path("team/gebied/", key_figures.area_page, name="area"),
    path("team/gebied/sleutelfiguren/nieuw/", key_figures.key_figure_create, name="key-figure-create"),
    path("team/sleutelfiguren/<uuid:key_figure>/", key_figures.key_figure_edit, name="key-figure-edit"),
    path("team/sleutelfiguren/<uuid:key_figure>/beeindigen/", key_figures.key_figure_end, name="key-figure-end"),
    path("casussen/", pages.caseload, name="caseload"),
    path("signalen/", reminders.reminder_list, name="reminders"),
    path("huishoudens/<uuid:uuid>/", pages.household_detail, name="household"),
    path("huishoudens/<uuid:uuid>/doel/", pages.household_purpose, name="household-purpose"),
    path("huishoudens/<uuid:uuid>/geschiedenis/", audit.household_history, name="household-history"),
    path("huishoudens/<uuid:uuid>/inzage/", audit.household_viewers, name="household-viewers"),
    path("casussen/<uuid:uuid>/contacten/", pages.contact_list, name="contact-list"),
    path("casussen/<uuid:uuid>/contacten/nieuw/", contacts.contact_create, name="contact-create"),
]
