"""The export engine knows no app: each app registers its kinds, and a kind is found by its stored key."""

import pytest
from django.utils.translation import override

from exports import kinds
from exports.models import ExportJob
from funding.exports import BLOCKAGE_REGISTER, FUNDING_AUDIT, BlockageRegister
from monitoring.exports import MONITORING_DASHBOARD
from privacy.exports import SUBJECT_ACCESS


def test_every_app_registers_its_kinds_at_start_up():
    assert set(kinds.KINDS) == {FUNDING_AUDIT, BLOCKAGE_REGISTER, MONITORING_DASHBOARD, SUBJECT_ACCESS}
    assert all(key == kind.key for key, kind in kinds.KINDS.items())


def test_a_second_kind_under_a_taken_key_is_refused():
    class Impostor(BlockageRegister):
        pass

    with pytest.raises(ValueError, match="registered twice"):
        kinds.register(Impostor())
    kinds.register(BlockageRegister())  # the same kind again (a second ready()) is harmless
    assert type(kinds.KINDS[BLOCKAGE_REGISTER]) is BlockageRegister


def test_a_job_is_labelled_by_its_registered_kind():
    with override("nl"):
        assert ExportJob(kind=MONITORING_DASHBOARD).kind_label == "monitoringsdashboard"
    assert ExportJob(kind="retired_kind").kind_label == "retired_kind"
