"""The tenant key: which tables carry the municipality, for a distributed database (docs/scaling.md).

A table listed here is a *tenant table*: every row belongs to one municipality and
says so in its own ``municipality`` column, so that a distributed PostgreSQL (Citus)
can keep one municipality's rows on one node and route a query that names the
municipality to that node alone. tests/test_tenancy.py checks that each model here
has the column, required, pointing at ``organisations.Municipality``, and that
docs/scaling.md names the same tables.
"""

from __future__ import annotations

# app_label.ModelName, as django.apps.apps.get_model reads them.
TENANT_MODELS: tuple[str, ...] = (
    "cases.Household",
    "cases.Case",
)

# The column every tenant table carries.
TENANT_KEY = "municipality"
