# ruff: noqa: F811 (the fixtures come from test_maps_browser, imported by name)
"""The flow map's views an analyst asks for, in Chromium: occupations, the smallest flow drawn,
country search, incoming / outgoing / both, each kept in the address and surviving a reload."""

from __future__ import annotations

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
    page.page.select_option("#choose-source", label="oli · % of all projects (estimated)")
    assert page.page.locator("#choose-occupation").is_disabled()
    assert "not recorded by this source" in page.page.locator("#occupation-note").inner_text()
    page.close()
