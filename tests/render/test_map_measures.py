# ruff: noqa: F811 (the fixtures come from test_maps_browser, imported by name)
"""The flow map's per-million, money and sub-region views, in Chromium, on the hand-made atlas of
fixtures/maps/views.sql (its header works out every figure checked here), each kept in the
address and surviving a reload."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import views_atlas
from render.test_maps_browser import (  # noqa: F401 (fixtures, skip marks)
    DRAWN,
    Opened,
    browser,
    pytestmark,
)

from pipeline.render import render_all
from pipeline.render.style import MAX_WIDTH_PX, MIN_RADIUS_PX

CIRCLES = """() => {
    const out = {};
    atlas.map.eachLayer(l => {
        const a = l.atlas;
        if (a && a.kind === 'node') out[a.code] = [a.value, l.options.radius];
    });
    return out;
}"""

# The tooltip of a drawn mark: the flow (seller, buyer) or the circle (code) it is given.
TIP = """([kind, a, b]) => {
    let text = null;
    atlas.map.eachLayer(l => {
        const t = l.atlas;
        if (!t || t.kind !== kind || text !== null) return;
        if (kind === 'flow' ? (t.seller === a && t.buyer === b && t.piece === 0) : t.code === a) {
            const at = new MouseEvent('mouseover', {clientX: 5, clientY: 5});
            l.fire('mouseover', {originalEvent: at});
            text = document.getElementById('atlas-tip').innerText;
            l.fire('mouseout');
        }
    });
    return text;
}"""

CLICK_CIRCLE = """(code) => {
    atlas.map.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'node' && l.atlas.code === code) l.fire('click');
    });
}"""


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return views_atlas()


@pytest.fixture(scope="module")
def pages(con, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("views")
    return {p.stem: p for p in render_all(con, out, print_versions=False)}


def drawn(page: Opened) -> set[tuple[str, str, float]]:
    return {(s, b, v) for s, b, v, *_ in page.js(DRAWN)}


def widths(page: Opened) -> dict[tuple[str, str], float]:
    return {(s, b): w for s, b, _, _, _, w, _ in page.js(DRAWN)}


def reload(page: Opened) -> None:
    page.page.reload()
    page.page.wait_for_function("() => window.atlasReady && window.atlas")


MARKET = "#source=market&year=2021"
# market 2021, country by country (seller, buyer, projects)
COUNTRY_FLOWS = {
    ("IND", "USA", 10),
    ("BGD", "USA", 10),
    ("PHL", "CAN", 4),
    ("TWN", "GBR", 3),
    ("CAN", "USA", 2),
}


def test_circles_per_million_inhabitants(browser, pages) -> None:
    page = Opened(browser, pages["flows"], hash_=MARKET)
    page.page.check("input[name=per][value=million]")
    assert "per=million" in page.page.url
    circles = page.js(CIRCLES)
    # involved work / population in millions (views.sql): India 10 / 1, Bangladesh 10 / 2
    assert {code: value for code, (value, _) in circles.items()} == {
        "IND": 10,
        "BGD": 5,
        "PHL": 1,
        "USA": 0.27,
        "CAN": 0.3,
        "GBR": 0.06,
        "TWN": None,
    }
    # area proportional to the figure: Bangladesh's radius is India's times the root of 1/2
    assert circles["BGD"][1] / circles["IND"][1] == pytest.approx(0.5**0.5)
    assert circles["PHL"][1] / circles["IND"][1] == pytest.approx(0.1**0.5)
    # no population figure: the smallest circle, and the tooltip says why
    assert circles["TWN"][1] == MIN_RADIUS_PX
    assert "no population figure for Taiwan" in page.js(TIP, ["node", "TWN", None])
    # the lines keep their volume; the tooltip gives it per capita of the seller (sold) and of
    # the buyer (bought): 10 / 1 million, 10 / 100 million
    assert drawn(page) == COUNTRY_FLOWS
    tip = page.js(TIP, ["flow", "IND", "USA"])
    assert "10 projects sold per million inhabitants of India" in tip
    assert "0.1 projects bought per million inhabitants of United States" in tip
    assert "no population figure for Taiwan" in page.js(TIP, ["flow", "TWN", "GBR"])
    assert "per million" in page.page.locator("#scales-note").inner_text()
    reload(page)
    assert page.page.locator("input[name=per][value=million]").is_checked()
    assert page.js(CIRCLES) == circles
    page.page.check("input[name=per][value=total]")
    assert "per=" not in page.page.url
    assert page.js(CIRCLES)["IND"][0] == 10 and page.js(CIRCLES)["USA"][0] == 27
    page.close()


def test_money_in_us_dollars_where_the_source_records_it(browser, pages) -> None:
    page = Opened(browser, pages["flows"], hash_=MARKET)
    assert page.page.locator("input[name=money][value=usd]").is_enabled()
    page.page.check("input[name=money][value=usd]")
    assert "money=usd" in page.page.url
    # Taiwan -> United Kingdom has no amount: not drawn in dollars
    expected = {("IND", "USA", 1000), ("BGD", "USA", 500), ("PHL", "CAN", 400), ("CAN", "USA", 100)}
    assert drawn(page) == expected
    # width proportional to the money, 18 px for the source's largest ($1,000)
    assert widths(page)[("BGD", "USA")] == pytest.approx(MAX_WIDTH_PX * 500 / 1000)
    # circles: the United States buys 1,000 + 500 + 100 and spends 250 at home
    assert page.js(CIRCLES)["USA"][0] == 1850
    count = page.page.locator("#shown-count").inner_text()
    # 2,000 of the $2,250 recorded ($250 domestic, never a line)
    assert "4 of 4 flows, 88.9% of the money shown" in count
    assert "3 projects with no amount recorded, left out" in count
    assert "1,000 US dollars" in page.js(TIP, ["flow", "IND", "USA"])
    assert "In US dollars" in page.page.locator("#scales-note").inner_text()
    reload(page)
    assert page.page.locator("input[name=money][value=usd]").is_checked()
    assert drawn(page) == expected
    # a source without money: the switch is greyed out, with a note, and the view in projects
    page.page.select_option("#choose-source", label="counts · projects")
    assert page.page.locator("input[name=money][value=usd]").is_disabled()
    note = page.page.locator("#money-note").inner_text()
    assert note == "no amounts recorded by this source"
    assert drawn(page) == {("IND", "USA", 7)} and "money=" not in page.page.url
    page.close()
    # an address asking for dollars on that source opens in projects
    page = Opened(browser, pages["flows"], hash_="#source=counts&year=2021&money=usd")
    assert page.js("() => atlas.state.money") == "projects"
    assert drawn(page) == {("IND", "USA", 7)}
    page.close()


REGION_FLOWS = {
    ("Southern Asia", "Northern America", 20),
    ("South-eastern Asia", "Northern America", 4),
    ("Eastern Asia", "Northern Europe", 3),
}


def test_countries_grouped_into_sub_regions_at_world_zoom(browser, pages) -> None:
    page = Opened(browser, pages["flows"], hash_=MARKET)
    page.page.check("#group-regions")
    assert "regions=subregion" in page.page.url
    assert drawn(page) == REGION_FLOWS
    circles = page.js(CIRCLES)
    # Northern America buys 20 + 4 from outside it; 7 within it (the United States' domestic
    # 5 and Canada -> United States 2)
    assert {code: value for code, (value, _) in circles.items()} == {
        "Northern America": 31,
        "Southern Asia": 20,
        "South-eastern Asia": 4,
        "Eastern Asia": 3,
        "Northern Europe": 3,
    }
    # 27 of the 34 projects are between sub-regions
    count = page.page.locator("#shown-count").inner_text()
    assert "3 of 3 flows between sub-regions, 79.4% of the work shown" in count
    # widths on the grouped scale: 18 px for the largest grouped flow (20)
    assert widths(page)[("South-eastern Asia", "Northern America")] == pytest.approx(
        MAX_WIDTH_PX * 4 / 20
    )
    tip = page.js(TIP, ["node", "Southern Asia", None])
    assert "Bangladesh, India" in tip
    reload(page)
    assert page.page.locator("#group-regions").is_checked()
    assert drawn(page) == REGION_FLOWS
    # zoomed in past the threshold, every country is drawn; back at world zoom, regions again
    page.js("() => atlas.map.setZoom(atlas.map.getMinZoom() + 0.5 + 1)")
    assert drawn(page) == COUNTRY_FLOWS
    page.js("() => atlas.map.setZoom(atlas.map.getMinZoom() + 0.5)")
    assert drawn(page) == REGION_FLOWS
    # a sub-region clicked opens into its countries
    page.js(CLICK_CIRCLE, "Southern Asia")
    assert drawn(page) == COUNTRY_FLOWS
    assert page.js("() => atlas.map.getZoom() >= atlas.map.getMinZoom() + 1.5")
    page.page.uncheck("#group-regions")
    assert "regions=" not in page.page.url
    page.close()


def test_a_grouped_flow_in_two_directions_is_grey_and_says_so(browser, pages) -> None:
    from pipeline.render.style import MIXED_COLOUR

    page = Opened(browser, pages["flows"], hash_="#source=market&year=2020&regions=subregion")
    # Taiwan (South) and Japan (North) -> United States, one project each
    assert drawn(page) == {("Eastern Asia", "Northern America", 2)}
    (line,) = page.js(DRAWN)
    assert line[3] == "mixed"
    colour = page.js(
        "() => { let c; atlas.map.eachLayer(l => { if (l.atlas && l.atlas.kind === 'flow') "
        "c = l.options.color; }); return c; }"
    )
    assert colour == MIXED_COLOUR
    tip = page.js(TIP, ["flow", "Eastern Asia", "Northern America"])
    assert "more than one direction: South → North 1, North → North 1" in tip
    # highlighting one direction greys it out with the rest
    page.page.click("button[data-direction=south_to_north]")
    assert page.js(DRAWN)[0][4] is True
    page.close()


def test_grouped_per_million_and_money_together_survive_a_reload(browser, pages) -> None:
    page = Opened(
        browser, pages["flows"], hash_=MARKET + "&regions=subregion&per=million&money=usd"
    )
    # in dollars, Southern Asia sells 1,000 + 500 to Northern America; its 3 million
    # inhabitants: 500 per million
    circles = page.js(CIRCLES)
    assert circles["Southern Asia"][0] == 500
    # Eastern Asia (Taiwan alone) has no population figure and no amount
    assert "Eastern Asia" not in circles
    assert drawn(page) == {
        ("Southern Asia", "Northern America", 1500),
        ("South-eastern Asia", "Northern America", 400),
    }
    state = page.js("() => atlas.state")
    reload(page)
    assert page.js("() => atlas.state") == state
    assert page.js(CIRCLES) == circles
    page.close()
