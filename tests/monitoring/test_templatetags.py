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
