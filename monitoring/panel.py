"""The blockage panel's figures as SQL, for the dashboard's filtered views and for the roll-up alike.

Blockages are facts (one row per blockage), and any selection of buurten, months and themes may be asked
for. Counting them per selection would publish each set of blockages with its own deviation (or exactly),
and one selection minus another would give back a small one. So the blockages are first counted per base
cell (a buurt, the month they were opened, a theme and a silo), each count gets its cell-key deviation
(``privacy.suppression.cell_noise_sql``) there, and the panel adds up the perturbed base cells, as every
other dashboard figure does. Euros stuck are a sum of amounts already moved per household
(``BlockageFact.noise_euros_stuck``). Medians are not sums: an exact median over a selection tells no single
blockage, and it is withheld when fewer than the threshold's households are behind it.

The refresh stores the perturbed base cells (``BlockageCell``, from ``blockage_cells_sql``); the dashboard and
the roll-ups add them up (``blockage_panel_sql``) and take the medians from the facts.
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
# A base cell's figures as the refresh stores them (``BlockageCell``), each already perturbed.
CELL_FIGURES = (
    "open_n",
    "open_households",
    "stuck",
    "closed_households",
    *(f"{prefix}_{code}" for code, _condition in OUTCOME_CONDITIONS for prefix in ("n", "households")),
)
# The facts' columns a base cell is grouped by.
CELL_KEYS = ("buurt_id", "wijk_id", "municipality_id", "month", "theme_id", "silo_id")


def blockage_cells_sql(facts: str, *, seed: str = "%(cell_key_seed)s") -> str:
    """SELECT the base cells of the rows ``facts`` (a SELECT on ``monitoring_blockagefact``): ``CELL_KEYS``,
    then ``CELL_FIGURES``, each count with its cell-key deviation. The refresh stores them, so a request adds
    up stored cells instead of counting, hashing and perturbing every blockage of its selection.

    ``seed`` is the placeholder of the cell-key seed as the caller passes parameters.
    """
    key = f"(hashint8extended(household_id, {seed}) & {suppression.KEY_SPACE - 1})"
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
        return f"c.{kind}_{name} + {suppression.cell_noise_sql(f'c.{kind}_{name}', f'c.{key_column}_{name}')}"

    outcomes = []
    for code, _condition in OUTCOME_CONDITIONS:
        outcomes += [published(code), published(code, "hh")]
    figures = [published("open"), published("open", "hh"), "c.stuck", published("closed", "hh"), *outcomes]
    keys = ", ".join(CELL_KEYS)
    named = ", ".join(f"{expression} AS {name}" for expression, name in zip(figures, CELL_FIGURES, strict=True))
    return f"""
    SELECT {", ".join(f"c.{column}" for column in CELL_KEYS)}, {named}
      FROM (SELECT {keys}, {", ".join(per_cell)} FROM ({facts}) AS f GROUP BY {keys}) AS c
    """  # noqa: S608 — built from constants and the caller's SQL


def blockage_panel_sql(cells: str, facts: str, *, groups: Sequence[str] = ()) -> str:
    """SELECT [groups,] silo_id, the panel's figures (named as ``COLUMNS``): the sums of the base cells ``cells``
    (a SELECT on ``monitoring_blockagecell``) and the medians of the blockages ``facts`` (a SELECT on
    ``monitoring_blockagefact``, the same selection), per silo (and per each of ``groups``).

    ``cells``' placeholders come before ``facts``'. ``opened_median`` is in days since 2000-01-01
    (``dashboard.PANEL_EPOCH``).
    """
    grouped = "".join(f"{column}, " for column in groups)
    head = "".join(f"c.{column}, " for column in groups)
    match = " AND ".join(
        [f"m.{column} = c.{column}" for column in groups] + ["m.silo_id IS NOT DISTINCT FROM c.silo_id"]
    )
    sums = ", ".join(
        f"sum({name}) AS {name}" if name == "stuck" else f"sum({name})::integer AS {name}" for name in CELL_FIGURES
    )
    medians = ("opened_median", "days_to_close")
    figures = ", ".join(f"m.{name}" if name in medians else f"c.{name}" for name in COLUMNS[1:])
    return f"""
    WITH c AS (
        SELECT {grouped}silo_id, {sums}
          FROM ({cells}) AS cell GROUP BY {grouped}silo_id
    ),
    m AS (
        SELECT {grouped}silo_id,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY opened_on - {EPOCH}) FILTER (WHERE {OPEN}) AS opened_median,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_on - opened_on) FILTER (WHERE {CLOSED})
                   AS days_to_close
          FROM ({facts}) AS f GROUP BY {grouped}silo_id
    )
    SELECT {head}c.silo_id, {figures}
      FROM c LEFT JOIN m ON {match}
    """  # noqa: S608 — built from constants and the caller's SQL
