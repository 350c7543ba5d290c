"""The blockage panel's figures as SQL, for the dashboard's filtered views and for the roll-up alike.

Blockages are facts (one row per blockage), and any selection of buurten, months and themes may be asked
for. Counting them per selection would publish each set of blockages with its own deviation (or exactly),
and one selection minus another would give back a small one. So the blockages are first counted per base
cell (a buurt, the month they were opened, a theme and a silo), each count gets its cell-key deviation
(``privacy.suppression.cell_noise_sql``) there, and the panel adds up the perturbed base cells, as every
other dashboard figure does. Euros stuck are a sum of amounts already moved per household
(``BlockageFact.noise_euros_stuck``). Medians are not sums: an exact median over a selection tells no single
blockage, and it is withheld when fewer than the threshold's households are behind it.
"""

from __future__ import annotations

from collections.abc import Sequence

from privacy import suppression

OPEN = "status IN ('open', 'escalated')"
CLOSED = "status IN ('resolved', 'not_resolvable')"
# How a blockage ended (``dashboard.OUTCOMES``, in that order): the three resolutions, and "not resolvable".
OUTCOME_CONDITIONS = (
    ("flexible_budget", "resolution = 'flexible_budget'"),
    ("exemption", "resolution = 'exemption'"),
    ("other_route", "resolution = 'other_route'"),
    ("not_resolvable", "status = 'not_resolvable'"),
)
# The columns the panel SQL yields after the grouping columns, in the roll-up's order.
COLUMNS = (
    "silo_id",
    "open_n",
    "open_households",
    "stuck",
    "closed_households",
    "opened_median",
    "days_to_close",
    *(f"{prefix}_{code}" for code, _condition in OUTCOME_CONDITIONS for prefix in ("n", "households")),
)
EPOCH = "DATE '2000-01-01'"


def blockage_panel_sql(facts: str, *, seed: str = "%(cell_key_seed)s", groups: Sequence[str] = ()) -> str:
    """SELECT [groups,] silo_id, the panel's figures (named as ``COLUMNS``): over the rows ``facts`` (a SELECT
    on ``monitoring_blockagefact``), per silo (and per each of ``groups``, columns of the facts).

    ``seed`` is the placeholder of the cell-key seed as the caller passes parameters (it comes after every
    placeholder of ``facts``). ``opened_median`` is in days since 2000-01-01 (``dashboard.PANEL_EPOCH``).
    """
    key = f"(hashint8extended(household_id, {seed}) & {suppression.KEY_SPACE - 1})"
    grouped = "".join(f"{column}, " for column in groups)
    measures = [("open", OPEN), *OUTCOME_CONDITIONS, ("closed", CLOSED)]
    per_cell = []
    for name, condition in measures:
        per_cell += [
            f"count(*) FILTER (WHERE {condition}) AS n_{name}",
            f"coalesce(sum({key}) FILTER (WHERE {condition}), 0) AS key_{name}",
            f"count(DISTINCT household_id) FILTER (WHERE {condition}) AS hh_{name}",
            f"coalesce(sum(DISTINCT {key}) FILTER (WHERE {condition}), 0) AS hkey_{name}",
        ]
    per_cell.append(f"sum(euros_stuck + noise_euros_stuck) FILTER (WHERE {OPEN}) AS stuck")

    def published(name: str, kind: str = "n") -> str:
        key_column = "key" if kind == "n" else "hkey"
        return f"sum(c.{kind}_{name} + {suppression.cell_noise_sql(f'c.{kind}_{name}', f'c.{key_column}_{name}')})"

    outcomes = []
    for code, _condition in OUTCOME_CONDITIONS:
        outcomes += [published(code), published(code, "hh")]
    match = " AND ".join(
        [f"m.{column} = c.{column}" for column in groups] + ["m.silo_id IS NOT DISTINCT FROM c.silo_id"]
    )
    head = "".join(f"c.{column}, " for column in groups)
    figures = [
        f"{published('open')}::integer",
        f"{published('open', 'hh')}::integer",
        "sum(c.stuck)",
        f"{published('closed', 'hh')}::integer",
        "m.opened_median",
        "m.days_to_close",
        *(f"{expression}::integer" for expression in outcomes),
    ]
    named = ", ".join(f"{expression} AS {name}" for expression, name in zip(figures, COLUMNS[1:], strict=True))
    return f"""
    WITH f AS ({facts}),
    c AS (
        SELECT {grouped}silo_id, {", ".join(per_cell)}
          FROM f GROUP BY {grouped}buurt_id, month, theme_id, silo_id
    ),
    m AS (
        SELECT {grouped}silo_id,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY opened_on - {EPOCH}) FILTER (WHERE {OPEN}) AS opened_median,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_on - opened_on) FILTER (WHERE {CLOSED})
                   AS days_to_close
          FROM f GROUP BY {grouped}silo_id
    )
    SELECT {head}c.silo_id, {named}
      FROM c JOIN m ON {match}
     GROUP BY {head}c.silo_id, m.opened_median, m.days_to_close
    """  # noqa: S608 — built from constants and the caller's SQL
