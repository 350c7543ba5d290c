from monitoring.templatetags.monitoring_tags import neighbourhood_rows
from privacy.suppression import count_cell


def test_neighbourhood_rows_escape_names_and_show_cells_as_suppressed() -> None:
    row = {
        "name": "Oud & <Nieuw>",
        "code": "BU0001",
        "households": count_cell(3),
        "stapeling": count_cell(12),
        "inflow": count_cell(0),
        "outflow": count_cell(7),
        "coordinated_share": "80%",
        "organisations_per_household": "2.5",
    }
    html = neighbourhood_rows([row, {**row, "code": "BU0002"}])
    assert html.count("<tr ") == 2
    assert "Oud &amp; &lt;Nieuw&gt; (BU0001)" in html and "<Nieuw>" not in html
    assert '<td class="utrecht-table__cell">&lt;5</td>' in html and '<td class="utrecht-table__cell">12</td>' in html


def test_no_neighbourhoods_render_no_rows() -> None:
    assert neighbourhood_rows([]) == ""


def test_organisation_rows_escape_names_and_show_cells_as_suppressed() -> None:
    from monitoring.templatetags.monitoring_tags import organisation_rows
    from privacy.suppression import amount_cell

    html = organisation_rows(
        [{"name": "Zorg & <Welzijn>", "kind": "GGD", "households": count_cell(4), "minutes": amount_cell(90, 4)}]
    )
    assert html.count("<tr ") == 1
    assert "Zorg &amp; &lt;Welzijn&gt;" in html and "<Welzijn>" not in html
    assert html.count('<td class="utrecht-table__cell">&lt;5</td>') == 1


def test_the_rows_are_the_html_format_html_join_writes() -> None:
    """The tags write their rows with the standard library's escaping: the same HTML as Django's, safe text kept."""
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe

    from monitoring.templatetags.monitoring_tags import ORGANISATION_ROW, organisation_rows

    rows = [
        {"name": "\"Zorg\" & 'Welzijn' {0}", "kind": mark_safe("<abbr>GGD</abbr>"), "households": 7, "minutes": None},
        {"name": "Buurtteam", "kind": "Welzijn <b>", "households": count_cell(2), "minutes": "1.234"},
    ]
    expected = format_html_join(
        "\n", ORGANISATION_ROW, ((r["name"], r["kind"], r["households"], r["minutes"]) for r in rows)
    )
    assert organisation_rows(rows) == expected


def test_the_trend_rows_are_the_rows_the_template_loop_wrote() -> None:
    """Cases by month, written in one pass: the cells, month format and escaping of the loop it replaced."""
    import datetime
    import re

    from django.template import engines

    from monitoring.templatetags.monitoring_tags import trend_rows
    from privacy.suppression import ratio_cell

    loop = engines["django"].from_string(
        "{% for row in rows %}"
        '<tr class="utrecht-table__row">'
        '<th class="utrecht-table__header-cell" scope="row">{{ row.month|date:"Y-m" }}</th>'
        '<td class="utrecht-table__cell">{{ row.active }}</td><td class="utrecht-table__cell">{{ row.households }}</td>'
        '<td class="utrecht-table__cell">{{ row.inflow }}</td><td class="utrecht-table__cell">{{ row.outflow }}</td>'
        '<td class="utrecht-table__cell">{{ row.coordinated_share }}</td>'
        '<td class="utrecht-table__cell">{{ row.stapeling }}</td></tr>'
        "{% endfor %}"
    )
    rows = [
        {
            "month": datetime.date(2025, month, 1),
            "active": count_cell(month * 3),
            "households": count_cell(month),
            "inflow": count_cell(0),
            "outflow": count_cell(2),
            "coordinated_share": ratio_cell(month, 12),
            "stapeling": count_cell(7),
        }
        for month in (1, 9, 12)
    ]
    written = trend_rows(rows)
    assert re.sub(r">\s+<", "><", written) == loop.render({"rows": rows})
    assert '<th class="utrecht-table__header-cell" scope="row">2025-09</th>' in written and "&lt;5" in written
