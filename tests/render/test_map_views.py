# ruff: noqa: F811 (the fixtures come from test_maps_browser, imported by name)
"""The flow map's views an analyst asks for, in Chromium: occupations, the smallest flow drawn,
country search, incoming / outgoing / both, each kept in the address and surviving a reload."""

from __future__ import annotations

import pytest
from render.test_maps_browser import (  # noqa: F401 (fixtures, skip marks)
    DRAWN,
    Opened,
    browser,
    con,
    pages,
    pytestmark,
)


def drawn(page: Opened) -> set[tuple[str, str, float]]:
    return {(s, b, v) for s, b, v, *_ in page.js(DRAWN)}


def test_the_occupation_menu_offers_the_layer_occupations_and_survives_a_reload(
    browser, pages
) -> None:
    page = Opened(browser, pages["flows"])
    options = page.js(
        "() => [...document.querySelectorAll('#choose-occupation option')].map(o => o.value)"
    )
    # remotework 2020 has three occupations (fixtures/maps/mini.sql)
    assert options == [
        "all",
        "clerical and data entry",
        "software development and technology",
        "writing and translation",
    ]
    assert page.page.locator("#choose-occupation").is_enabled()
    page.page.select_option("#choose-occupation", "clerical and data entry")
    # Philippines -> US 40, -> Canada 30, US -> India 5: the clerical rows of 2020
    assert drawn(page) == {("PHL", "USA", 40), ("PHL", "CAN", 30), ("USA", "IND", 5)}
    assert "3 of 3 flows, 100% of the work shown" in page.page.locator("#shown-count").inner_text()
    assert "occupation=clerical+and+data+entry" in page.page.url
    page.page.reload()
    page.page.wait_for_function("() => window.atlasReady && window.atlas")
    assert page.page.locator("#choose-occupation").input_value() == "clerical and data entry"
    assert drawn(page) == {("PHL", "USA", 40), ("PHL", "CAN", 30), ("USA", "IND", 5)}
    page.page.select_option("#choose-occupation", "writing and translation")
    assert drawn(page) == {("USA", "AUS", 25)}
    # 2019 has software only: nothing to choose, and the page says so
    page.page.check("input[name=year][value='1']")
    assert page.page.locator("#choose-occupation").is_disabled()
    note = page.page.locator("#occupation-note").inner_text()
    assert "only software development and technology in this layer" in note
    assert drawn(page) == {("PHL", "USA", 70), ("IND", "GBR", 20)}
    # the estimated layer records no occupation
    page.page.select_option("#choose-source", label="oli · % of the source's total (estimated)")
    assert page.page.locator("#choose-occupation").is_disabled()
    assert "not recorded by this source" in page.page.locator("#occupation-note").inner_text()
    page.close()


# remotework 2020 in the mini atlas, as drawn (seller -> buyer, projects): 340 in all
FLOWS_2020 = {
    ("PHL", "USA", 120),
    ("IND", "USA", 90),
    ("IND", "GBR", 60),
    ("PHL", "CAN", 30),
    ("USA", "AUS", 25),
    ("GBR", "IND", 10),
    ("USA", "IND", 5),
}


def test_the_smallest_flow_slider_draws_the_flows_above_it(browser, pages) -> None:
    page = Opened(browser, pages["flows"], hash_="#source=remotework&year=2020&min=30")
    assert drawn(page) == {f for f in FLOWS_2020 if f[2] >= 30}
    # 120 + 90 + 60 + 30 = 300 of the layer's whole 390 (340 across borders + the United
    # States' domestic 50)
    count = page.page.locator("#shown-count").inner_text()
    assert "4 of 7 flows, 76.9% of the work shown (flows of at least 30)" in count
    assert "at least 30 projects" in page.page.locator("#min-flow-value").inner_text()
    slider = page.page.locator("#min-flow")
    slider.focus()
    page.page.keyboard.press("End")  # the largest flow only
    assert drawn(page) == {("PHL", "USA", 120)} and "min=120" in page.page.url
    page.page.keyboard.press("Home")  # back to the N largest: all 7 here
    assert drawn(page) == FLOWS_2020 and "min=" not in page.page.url
    assert "the 100 largest" in page.page.locator("#min-flow-value").inner_text()
    page.close()


def test_focus_shows_the_work_a_country_buys_sells_or_both(browser, pages) -> None:
    page = Opened(browser, pages["flows"], hash_="#source=remotework&year=2020&focus=IND&mode=in")
    assert drawn(page) == {("GBR", "IND", 10), ("USA", "IND", 5)}
    assert "(all flows of IND, the work it buys)" in page.page.locator("#shown-count").inner_text()
    page.page.check("#focus-box input[name=mode][value=out]")
    assert drawn(page) == {("IND", "USA", 90), ("IND", "GBR", 60)} and "mode=out" in page.page.url
    page.page.check("#focus-box input[name=mode][value=both]")
    assert drawn(page) == {f for f in FLOWS_2020 if "IND" in f[:2]} and "mode=" not in page.page.url
    page.close()


def test_country_search_focuses_the_country_found(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    search = page.page.locator("#country-search")
    search.fill("phil")
    search.press("Enter")
    assert page.js("() => atlas.state.focus") == "PHL" and "focus=PHL" in page.page.url
    assert drawn(page) == {("PHL", "USA", 120), ("PHL", "CAN", 30)}
    search.fill("usa")
    search.press("Enter")
    assert page.js("() => atlas.state.focus") == "USA"
    search.fill("Kenya")  # in the atlas, but no flow of remotework 2020
    search.press("Enter")
    assert page.js("() => atlas.state.focus") == "USA"
    assert (
        'no flows for "Kenya" in this layer'
        in page.page.locator("#country-search-note").inner_text()
    )
    page.close()


def test_every_view_survives_a_reload_and_matches_the_python_view(browser, pages, con) -> None:
    from pipeline.render.flow_data import flow_records, flow_view

    view = (
        "#source=remotework&year=2020&occupation=software+development+and+technology"
        "&direction=south_to_north&focus=IND&mode=out&min=60&width=sqrt"
    )
    page = Opened(browser, pages["flows"], hash_=view)
    state = page.js("() => atlas.state")
    # software, 2020: India -> US 90 and India -> UK 60, both at least 60
    expected = {("IND", "USA", 90), ("IND", "GBR", 60)}
    assert drawn(page) == expected
    python = flow_view(
        flow_records(con),
        0,
        occupation="software development and technology",
        focus="IND",
        mode="out",
        min_value=60,
    )
    assert {(f.seller, f.buyer, f.tasks) for f in python.flows} == expected
    widths = {(s, b): w for s, b, _, _, _, w, _ in page.js(DRAWN)}
    assert widths[("IND", "GBR")] == pytest.approx(18 * (60 / 120) ** 0.5)
    page.page.reload()
    page.page.wait_for_function("() => window.atlasReady && window.atlas")
    assert page.js("() => atlas.state") == state
    assert drawn(page) == expected
    assert page.page.locator("input[name=width][value=sqrt]").is_checked()
    assert page.page.locator("#focus-box input[name=mode][value=out]").is_checked()
    assert page.page.locator("#choose-occupation").input_value() == (
        "software development and technology"
    )
    page.close()


CHANGES = """() => {
    const out = [];
    atlas.map.eachLayer(l => {
        const a = l.atlas;
        if (a && a.kind === 'flow' && a.piece === 0)
            out.push([a.seller, a.buyer, a.change, l.options.color, l.options.weight]);
    });
    return out;
}"""


def test_the_change_view_draws_gains_and_losses_between_two_years(browser, pages) -> None:
    import csv
    import io

    from pipeline.render.style import CHANGE_COLOURS

    page = Opened(browser, pages["flows"], hash_="#source=remotework&year=2020&base=2019")
    # 2019: Philippines -> US 70, India -> UK 20; every 2020 flow gained on it
    gains = {
        ("PHL", "USA"): 50,
        ("IND", "USA"): 90,
        ("IND", "GBR"): 40,
        ("PHL", "CAN"): 30,
        ("USA", "AUS"): 25,
        ("GBR", "IND"): 10,
        ("USA", "IND"): 5,
    }
    changes = page.js(CHANGES)
    assert {(s, b): c for s, b, c, *_ in changes} == gains
    assert {colour for *_, colour, _ in changes} == {CHANGE_COLOURS["gain"]}
    # width: the size of the change on the source's scale (18 px for 120 projects)
    widths = {(s, b): w for s, b, _, _, w in changes}
    assert widths[("IND", "USA")] == pytest.approx(18 * 90 / 120)
    count = page.page.locator("#shown-count").inner_text()
    # the 7 pairs' 250 of all 300 change: the United States' domestic work (50, none in 2019)
    # changed too, and is never a line
    assert "7 of 7 pairs that changed since 2019, 83.3% of all change" in count
    assert "Change since 2019 (colour)" in page.page.locator("#change-key").inner_text()
    rows = list(csv.DictReader(io.StringIO(page.download("#download-csv").decode("utf-8"))))
    assert {(r["seller_code"], r["buyer_code"]): int(r["change"]) for r in rows} == gains
    assert {(r["volume"], r["volume_then"]) for r in rows if r["seller_code"] == "PHL"} == {
        ("120", "70"),
        ("30", "0"),
    }
    page.page.reload()
    page.page.wait_for_function("() => window.atlasReady && window.atlas")
    assert {(s, b): c for s, b, c, *_ in page.js(CHANGES)} == gains
    assert page.page.locator("input[name=base][value='1']").is_checked()
    # the other way round: 2019 against 2020, every pair lost
    page.js("() => { location.hash = 'source=remotework&year=2019&base=2020'; }")
    page.page.wait_for_function("() => atlas.state.base === 0")
    changes = page.js(CHANGES)
    assert {(s, b): c for s, b, c, *_ in changes} == {k: -v for k, v in gains.items()}
    assert {colour for *_, colour, _ in changes} == {CHANGE_COLOURS["loss"]}
    page.page.locator("input[name=base][value='-1']").check()
    assert "base=" not in page.page.url and page.js(CHANGES)[0][2] is None
    page.close()
