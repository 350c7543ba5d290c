"""The shared seeding machinery (common/seeding.py)."""

import io
import itertools
import random

import psycopg
import pytest
from django.db import transaction

from common.seeding import SCALES, SeedContext
from organisations.models import Municipality

# The seed drops and rebuilds indexes: it runs as the database owner, as `make seed` does.
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]


def context() -> SeedContext:
    return SeedContext(scale=SCALES["demo"], rng=random.Random(1), stdout=io.StringIO())


def test_rows_copied_in_the_background_are_there_once_the_copy_is_waited_for() -> None:
    ctx = context()
    ctx.copy_in_background([(Municipality, ["code", "code_year", "name"], [("GM0001", 2026, "Gemeente Een")])])
    ctx.wait_for_copies()
    assert Municipality.objects.filter(code="GM0001").exists()


def test_a_failing_background_copy_raises_in_the_main_thread() -> None:
    ctx = context()
    with pytest.raises(psycopg.errors.CheckViolation), transaction.atomic():
        ctx.copy_in_background([(Municipality, ["code", "code_year", "name"], [("XX0001", 2026, "Nergens")])])
        ctx.wait_for_copies()
    assert not Municipality.objects.exists()


def test_an_id_pool_hands_out_unique_rising_ids_across_its_blocks() -> None:
    ctx = context()
    ids = list(itertools.islice(ctx.id_pool(Municipality), 6_000))  # more than the first two blocks
    assert ids == sorted(set(ids))
    assert len(ids) == 6_000
