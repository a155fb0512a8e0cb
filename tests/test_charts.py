"""The SVG charts of core.charts, read back as XML: where the bars and points land for known
figures, what the figure says in words (title, table, labels), and the awkward cases (nothing
to draw, one point, zero and negative values, a label that is markup)."""

from decimal import Decimal
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask_babel import Babel

from core import charts, sdk
from core.charts import Point, Series

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def context():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def parse(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def svg_of(figure: ElementTree.Element) -> ElementTree.Element:
    return figure.find(f"{SVG}svg")


def rects(figure, css: str = "chart-bar") -> list[ElementTree.Element]:
    return [r for r in svg_of(figure).iter(f"{SVG}rect") if css in r.get("class", "").split()]


def texts(figure, css: str) -> list[str]:
    return [t.text for t in svg_of(figure).iter(f"{SVG}text") if t.get("class") == css]


def table(figure) -> list[list[str]]:
    return [[cell.text for cell in row] for row in figure.find("div/table").iter("tr")]


def test_the_sdk_offers_the_charts():
    assert sdk.charts is charts and "charts" in sdk.__all__


def test_bars_are_as_long_as_their_share_of_the_scale():
    figure = parse(charts.bar_chart(
        "Collection rate by class",
        [Point("1班", Decimal("50"), "50.00%"), Point("2班", Decimal("100"), "100.00%"),
         Point("3班", None)], ("Class", "Rate"), maximum=100))
    svg = svg_of(figure)
    assert svg.get("viewBox") == "0 0 360 82" and svg.get("width") == "100%"
    assert svg.get("role") == "img" and svg.get("aria-label") == "Collection rate by class"
    assert svg.find(f"{SVG}title").text == "Collection rate by class"
    # the scale runs from x=100 (zero) to x=296 (100%): 196 units
    bars = rects(figure)
    assert [(b.get("x"), b.get("width")) for b in bars] == [("100", "98"), ("100", "196")]
    assert [b.find(f"{SVG}title").text for b in bars] == ["1班: 50.00%", "2班: 100.00%"]
    assert texts(figure, "chart-label") == ["1班", "2班", "3班"]
    assert texts(figure, "chart-value") == ["50.00%", "100.00%", "—"]
    assert table(figure) == [["Class", "Rate"], ["1班", "50.00%"], ["2班", "100.00%"],
                             ["3班", "—"]]
    assert figure.find("div").get("class") == "visually-hidden"


def test_a_value_beyond_the_maximum_widens_the_scale_and_a_negative_one_goes_left():
    figure = parse(charts.bar_chart("t", [Point("over", 150), Point("back", -50)],
                                    ("a", "b"), maximum=100))
    over, back = rects(figure)
    # from -50 to 150 over 196 units: zero at 100 + 50 * .98 = 149
    assert (over.get("x"), over.get("width")) == ("149", "147")
    assert (back.get("x"), back.get("width")) == ("100", "49")
    assert svg_of(figure).find(f"{SVG}line").get("x1") == "149"


def test_columns_rise_from_the_axis_in_proportion():
    figure = parse(charts.column_chart(
        "Arrears", [Point("2026-09", 300000, "3000.00"), Point("2026-10", 150000, "1500.00"),
                    Point("2026-11", 0, "0.00")], ("Month", "Owed (yuan)")))
    bars = rects(figure)
    assert len(bars) == 2  # nothing is drawn for zero, and its figure is still written
    # the plot runs from y=164 (zero) up to y=26 (the highest figure)
    assert [(b.get("y"), b.get("height")) for b in bars] == [("26", "138"), ("95", "69")]
    assert texts(figure, "chart-value") == ["3000.00", "1500.00", "0.00"]
    assert texts(figure, "chart-scale") == ["3000.00", "0"]
    assert texts(figure, "chart-label") == ["2026-09", "2026-10", "2026-11"]
    assert table(figure)[1:] == [["2026-09", "3000.00"], ["2026-10", "1500.00"],
                                 ["2026-11", "0.00"]]


def test_stacked_series_are_told_apart_without_colour():
    figure = parse(charts.stacked_chart(
        "Missing", ["9-01", "9-02"], [Series("Samples", [2, 0]), Series("Checks", [1, 3]),
                                      Series("Hygiene", [0, 1])], ("Day",)))
    bars = rects(figure)
    fills = {b.get("class").split()[1]: b.get("fill") for b in bars}
    assert fills["series-0"].startswith("#")
    assert fills["series-1"].startswith("url(#") and fills["series-2"].startswith("url(#")
    assert fills["series-1"] != fills["series-2"]
    ids = {p.get("id") for p in svg_of(figure).iter(f"{SVG}pattern")}
    assert {fills["series-1"][5:-1], fills["series-2"][5:-1]} <= ids
    assert texts(figure, "chart-legend") == ["Samples", "Checks", "Hygiene"]
    # day two: 3 checks on top of no sample, 1 hygiene on top: 4 in all, the highest
    day_two = [b for b in bars if b.find(f"{SVG}title").text.startswith("9-02")]
    assert [(b.get("y"), b.get("height")) for b in day_two] == [("60.5", "103.5"),
                                                               ("26", "34.5")]
    assert table(figure) == [["Day", "Samples", "Checks", "Hygiene", "Total"],
                             ["9-01", "2", "1", "0", "3"], ["9-02", "0", "3", "1", "4"]]


def test_all_zero_still_draws_an_axis_and_says_zero():
    figure = parse(charts.stacked_chart("Missing", ["9-01", "9-02"],
                                        [Series("Samples", [0, 0])], ("Day",)))
    assert rects(figure) == []
    assert texts(figure, "chart-value") == ["0", "0"]
    assert figure.get("data-chart") == "stacked"


@pytest.mark.parametrize("draw", [
    lambda: charts.bar_chart("Nothing", [], ("a", "b")),
    lambda: charts.column_chart("Nothing", [], ("a", "b")),
    lambda: charts.stacked_chart("Nothing", ["9-01"], [Series("s", [None])]),
    lambda: charts.line_chart("Nothing", [Point("w", None)], ("a", "b")),
])
def test_nothing_to_draw_says_so_instead_of_an_empty_frame(draw):
    figure = parse(draw())
    assert "chart-empty" in figure.get("class")
    assert figure.find(f"{SVG}svg") is None
    assert figure.find("figcaption").text == "Nothing"
    assert figure.find("p").text == "No figures to draw yet."


def test_a_line_breaks_where_a_week_has_no_figure_and_marks_every_point():
    figure = parse(charts.line_chart(
        "Cost per eater", [Point("9-01", 500, "5.00"), Point("9-08", 600, "6.00"),
                           Point("9-15", None), Point("9-22", 400, "4.00")],
        ("Week", "Yuan")))
    lines = list(svg_of(figure).iter(f"{SVG}polyline"))
    # x: 52 + 300 * (n + .5) / 4; y: 164 - value * 138 / 600
    assert [line.get("points") for line in lines] == ["89.5,49 164.5,26"]
    points = list(svg_of(figure).iter(f"{SVG}circle"))
    assert [(c.get("cx"), c.get("cy")) for c in points] == [("89.5", "49"), ("164.5", "26"),
                                                           ("314.5", "72")]
    assert [c.find(f"{SVG}title").text for c in points] == ["9-01: 5.00", "9-08: 6.00",
                                                           "9-22: 4.00"]
    assert table(figure)[3] == ["9-15", "—"]


def test_a_single_point_draws_a_mark_and_its_figure():
    figure = parse(charts.line_chart("One", [Point("9-01", Decimal("3.5"), "3.50")],
                                     ("Week", "Yuan"), small=True))
    assert list(svg_of(figure).iter(f"{SVG}polyline")) == []
    assert len(list(svg_of(figure).iter(f"{SVG}circle"))) == 1
    assert texts(figure, "chart-value") == ["3.50"]
    assert "chart-small" in figure.get("class")
    column = parse(charts.column_chart("One", [Point("2026-09", 0, "0.00")], ("a", "b")))
    assert rects(column) == [] and texts(column, "chart-value") == ["0.00"]


def test_labels_and_titles_are_text_never_markup():
    hostile = '<script>alert("x")</script>&'
    markup = str(charts.bar_chart(hostile, [Point(hostile, 1, hostile)], (hostile, hostile)))
    assert "<script>" not in markup
    figure = parse(markup)
    assert svg_of(figure).get("aria-label") == hostile
    assert svg_of(figure).find(f"{SVG}title").text == hostile
    assert texts(figure, "chart-value") == [hostile]
    assert texts(figure, "chart-label") == ["<scrip…"]  # clipped for drawing, whole below
    assert table(figure)[1] == [hostile, hostile]
    stacked = str(charts.stacked_chart("s", [hostile], [Series(hostile, [1]),
                                                        Series("b", [2])]))
    assert "<script>" not in stacked and parse(stacked) is not None


def test_no_inline_style_for_the_content_security_policy():
    markup = str(charts.stacked_chart("s", ["a", "b"], [Series("x", [1, 2]),
                                                        Series("y", [2, 1])]))
    assert "style=" not in markup and "<style" not in markup and "<script" not in markup
