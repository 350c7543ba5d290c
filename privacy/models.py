"""The access log (NEN 7513 / BIO): one append-only, hash-chained row per access to personal data.

Rows hold snapshots (username, role, organisation) and bare ids instead of
foreign keys, so that deactivating a user or deleting or anonymising a case
never touches the log. PostgreSQL itself gives each row the hash of its content
as it is appended, without any lock, and its place in the chain moments later
(the sequencer, ``sequencer.py``, migration 0009); it refuses UPDATE and DELETE
but the sequencer's filling of an unchained row's chain columns and the owner's
removal of rows past their delete-after date (``expiry.py``), and refuses
TRUNCATE except to the table's owner who asks for it (the test runner's flush).
The application's database role may only INSERT and SELECT (migration 0006,
``database_roles.py``); ``verify.py`` checks the chain in Python and
``seal.py`` seals its head outside the database.
"""

import uuid as uuid_module

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels

from .querysets import AccessLogQuerySet


class AccessLogEntry(ChoiceLabels, models.Model):
    class Action(models.TextChoices):
        READ = "read", _("read")
        SEARCH = "search", _("search")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        PRINT = "print", _("print")
        EXPORT = "export", _("export")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("allowed")
        REFUSED = "refused", _("refused")

    class Channel(models.TextChoices):
        SCREEN = "screen", _("screen")
        API = "api", _("API")
        TASK = "task", _("background task")

    # Position in the hash chain and the hashes: set by the sequencer (empty while the row waits in the tail).
    seq = models.BigIntegerField(_("sequence"), unique=True, editable=False, null=True)
    previous_hash = models.CharField(max_length=64, editable=False, blank=True)
    entry_hash = models.CharField(max_length=64, editable=False, blank=True)
    # The hash of the row's own content (id included), set by the INSERT trigger; empty on rows before 0009.
    content_hash = models.CharField(max_length=64, editable=False, blank=True, db_default="")

    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(_("user id"), null=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True)
    organisation_name = models.CharField(_("organisation"), max_length=160, blank=True)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Indexed with the time by accesslog_household_idx below, which also serves lookups by household alone.
    household_id = models.BigIntegerField(_("household id"), null=True)
    person_id = models.BigIntegerField(_("person id"), null=True, db_index=True)
    case_id = models.BigIntegerField(_("case id"), null=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_uuid = models.UUIDField(_("object"), null=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # Why (privacy/register.py), on which legal basis (the reader's involvement, where that decides) and,
    # for a read outside the reader's usual purpose, the reason they gave.
    activity = models.CharField(_("processing activity"), max_length=40, blank=True, db_default="")
    legal_basis = models.CharField(_("legal basis"), max_length=20, blank=True, db_default="")
    reason = models.CharField(_("reason given"), max_length=200, blank=True, db_default="")
    # Logboek Dataverwerkingen: the W3C trace this processing belongs to, its own id (span) and the
    # operation that caused it (the request or task), and the day from which the row may be deleted.
    trace_id = models.CharField(_("trace id"), max_length=32, blank=True, db_default="")
    span_id = models.CharField(_("processing id"), max_length=16, blank=True, db_default="")
    parent_span_id = models.CharField(_("parent processing id"), max_length=16, blank=True, db_default="")
    delete_after = models.DateField(_("delete after"), null=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        indexes = [
            models.Index(fields=["household_id", "-occurred_at"], name="accesslog_household_idx"),
            # The sequencer's tail: the rows not yet chained, in the order they were appended.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="accesslog_unchained_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.outcome}"

    @property
    def activity_name(self) -> str:
        """The processing activity's name from the register (rows before the register have none)."""
        from .register import BY_CODE

        entry = BY_CODE.get(self.activity)
        return str(entry.name) if entry else self.activity

    @property
    def legal_basis_name(self) -> str:
        from cases.models import LegalBasis

        return str(dict(LegalBasis.choices).get(self.legal_basis, self.legal_basis))

    @property
    def reason_text(self) -> str:
        from .purpose import reason_display

        return reason_display(self.reason)


class AccessLogAnchor(models.Model):
    """Where the access log now starts: the last row removed past its delete-after date, its place and hash.

    Written by the owner role's expiry step (``expiry.py``) in the transaction
    that removes the rows, and sealed outside the database (``seal.py``); the
    application role may only read it.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    entry_hash = models.CharField(max_length=64)
    removed_rows = models.BigIntegerField(_("rows removed"))
    made_at = models.DateTimeField(_("made at"), db_default=Now())

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("access log anchor")
        verbose_name_plural = _("access log anchors")

    def __str__(self) -> str:
        return f"{self.seq} {self.entry_hash}"


class RetentionRule(models.Model):
    """How long case data is kept after a case closes, per funding silo (its legal framework).

    A closed case is kept as long as the longest rule among the silos behind its
    involvements' legal bases; the rule without silo is the default.
    """

    silo = models.OneToOneField(
        "funding.Silo",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="retention_rule",
        verbose_name=_("funding silo"),
    )
    years_after_closure = models.PositiveSmallIntegerField(_("years after closure"))
    legal_ground = models.CharField(_("legal ground"), max_length=200, blank=True)

    class Meta:
        ordering = ["silo__order"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(
                fields=["silo"], nulls_distinct=False, name="retention_rule_one_per_silo_and_one_default"
            )
        ]

    def __str__(self) -> str:
        return f"{self.silo or _('default')}: {self.years_after_closure}"


class DataSubjectRequest(models.Model):
    """A request under AVG article 15 (access) or 17 (erasure), and how it was handled.

    An access request starts ``in review``: the privacy officer sees what would
    be disclosed, withholds items with a reason (``DisclosureDecision``) and
    releases it. The released letter's content is kept in ``disclosure`` so the
    letter and its JSON stay the same document; retention clears it after
    ``WIJKTEAM_DISCLOSURE_KEEP_DAYS`` (the register row itself stays).
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("access (art. 15)")
        ERASURE = "erasure", _("erasure (art. 17)")

    class Outcome(models.TextChoices):
        IN_REVIEW = "in_review", _("in review")
        EXPORTED = "exported", _("exported")
        ANONYMISED = "anonymised", _("anonymised")
        REFUSED = "refused", _("refused: a retention duty applies")

    uuid = models.UUIDField(default=uuid_module.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    person_id = models.BigIntegerField(_("person id"))
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    handled_at = models.DateTimeField(_("handled at"), default=timezone.now)
    handled_by = models.ForeignKey(
        "organisations.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("handled by")
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    disclosure = models.JSONField(_("released content"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-handled_at"]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_on}"


class DisclosureDecision(models.Model):
    """The privacy officer's decision on one item of an access request: withhold (with a reason) or release.

    Items an organisation marked confidential are withheld unless a decision
    releases them; the release is refused while such an item has no decision.
    """

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("request")
    )
    item = models.CharField(_("item"), max_length=80)
    withhold = models.BooleanField(_("withhold"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        "organisations.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("disclosure decision")
        verbose_name_plural = _("disclosure decisions")
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="disclosure_decision_one_per_item"),
            models.CheckConstraint(condition=Q(withhold=False) | ~Q(reason=""), name="disclosure_withhold_has_reason"),
        ]

    def __str__(self) -> str:
        return self.item


class OfficerVisit(models.Model):
    """When a privacy officer last opened their start page: the refused reads since then are new to them."""

    user = models.OneToOneField(
        "organisations.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    seen_until = models.DateTimeField(_("last visit"))

    class Meta:
        verbose_name = _("privacy officer visit")
        verbose_name_plural = _("privacy officer visits")

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_until:%Y-%m-%d %H:%M}"
