# ruff: noqa: F811 (the fixtures come from test_maps_browser, imported by name)
"""The flow map's drawing as a reader sees it in Chromium: the way round the world, the edge
markers, the hubs (line ends, arrowheads, circles, labels) and small screens."""

from __future__ import annotations

from render.test_maps_browser import (  # noqa: F401 (fixtures, skip marks)
    Opened,
    browser,
    con,
    pages,
    pytestmark,
)

EDGES = """() => {
    const out = [], widths = {};
    atlas.map.eachLayer(l => {
        const a = l.atlas;
        if (a && a.kind === 'flow') widths[a.seller + '>' + a.buyer] = l.options.weight;
    });
    atlas.map.eachLayer(l => {
        const a = l.atlas;
        if (a && a.kind === 'edge') out.push([a.seller, a.buyer, l.getRadius(),
                                              widths[a.seller + '>' + a.buyer]]);
    });
    return out;
}"""


def test_edge_markers_are_as_wide_as_the_lines_running_into_them(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    edges = page.js(EDGES)
    # Philippines -> United States and -> Canada, United States -> Australia: two markers each
    assert sorted({(s, b) for s, b, *_ in edges}) == [
        ("PHL", "CAN"),
        ("PHL", "USA"),
        ("USA", "AUS"),
    ]
    assert len(edges) == 6
    for seller, buyer, radius, width in edges:
        assert 2 * radius > width, (seller, buyer)
    # the largest flow, 18 px wide: markers 9 + 1.5 px in radius
    assert {r for s, b, r, _ in edges if (s, b) == ("PHL", "USA")} == {10.5}
    page.close()
