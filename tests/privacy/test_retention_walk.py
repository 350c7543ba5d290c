"""Retention covers every place personal data lives (#13 item 6), from the one list of such models (#18).

Every model with personal data has a rule; every rule is applied by a named step that a scheduled task
runs, or is assigned to someone who applies it (an account's end, a key figure's removal), or, for the
access log, handled by the privacy log's own retention.
"""

from __future__ import annotations

import ast
import importlib
import inspect

from django.conf import settings
from django.utils import translation

from privacy import personal_data, register
from privacy.personal_data import PERSONAL_DATA, RULES


def _function(dotted: str):  # type: ignore[no-untyped-def]
    module, _sep, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _source(dotted: str) -> str:
    """The text of a function as written (a task decorator may wrap it in a runner of its own)."""
    module_name, _sep, name = dotted.rpartition(".")
    text = inspect.getsource(importlib.import_module(module_name))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(text, node) or ""
    raise AssertionError(f"{dotted} is not a function")


def _scheduled_tasks() -> set[str]:
    """Every task beat runs: directly, or queued through the outbox (jobs.enqueue_periodic)."""
    tasks = set()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        tasks.add(entry["task"])
        tasks.add(entry.get("kwargs", {}).get("task_name", entry["task"]))
    return tasks


def test_every_model_with_personal_data_has_a_rule_and_every_rule_someone_who_applies_it() -> None:
    scheduled = _scheduled_tasks()
    for label, code in PERSONAL_DATA.items():
        assert code in RULES, f"{label}: no retention rule {code!r}"
    for rule in RULES.values():
        if rule.steps:
            assert rule.task in scheduled, f"{rule.code}: task {rule.task!r} is not scheduled"
            task_source = _source(rule.task_function)
            for step in rule.steps:
                assert callable(_function(step)), f"{rule.code}: {step} does not exist"
                runner = step.rpartition(".")[2]
                assert runner in task_source or any(runner in _source(called) for called in rule.via), (
                    f"{rule.code}: the task {rule.task} never runs {step}"
                )
        else:
            assert rule.left_to, f"{rule.code}: applied by nobody"


def test_the_access_log_is_handled_by_the_privacy_logs_own_retention() -> None:
    assert PERSONAL_DATA["privacy.accesslogentry"] == "access_log"
    with translation.override("en"):  # the rule's text is translated (the source language here)
        assert str(RULES["access_log"].left_to).startswith("privacy log retention")


def test_failed_logins_sessions_and_export_files_have_a_rule_run_by_a_task() -> None:
    for label in ("axes.accessattempt", "axes.accessfailurelog", "axes.accesslog", "sessions.session"):
        assert RULES[PERSONAL_DATA[label]].task == "privacy.apply_retention", label
    export = RULES[PERSONAL_DATA["exports.exportjob"]]
    assert export.task == "exports.expire"
    assert "privacy.retention.cases_anonymise" in RULES["case"].steps
    # A file with a name goes with the anonymisation, before its expiry (see test_personal_data.py).
    assert "_drop_person_files" in _source("privacy.retention.cases_anonymise")


def test_the_register_reads_the_one_list_of_models_with_personal_data() -> None:
    assert personal_data.models_with_personal_data() == register.PERSONAL_DATA_MODELS
    assert not hasattr(register, "NO_PERSONAL_DATA")
    assert "cases.historicalcase" not in register.PERSONAL_DATA_MODELS  # write history: its model's activity
    uncovered = [label for label in register.PERSONAL_DATA_MODELS if not register.activities_for_model(label)]
    assert uncovered == [], "models with personal data that no processing activity covers"
