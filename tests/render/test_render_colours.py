"""The direction colours stay apart for colour-blind readers, as drawn on the map.

Colour-vision simulation (Machado, Oliveira & Fernandes 2009, full severity) and CIEDE2000 come
from colour-science, a maintained library with only numpy as a dependency; colorspacious has
the same simulation but no CIEDE2000 and no release since 2018.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "SciPy related API features are not available"
    import colour

from pipeline.render.style import (
    CLAIM_COLOURS,
    DIRECTION_COLOURS,
    GROUP_COLOURS,
    LAND,
    LAND_FILL,
    LINE_OPACITY,
    OCEAN,
)

pytestmark = pytest.mark.filterwarnings("ignore:.*Machado et al.*")

MIN_DELTA_E = 15.0
DEFICIENCIES = ("Deuteranomaly", "Protanomaly", "Tritanomaly")


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def _seen(hex_colour: str, background: str, opacity: float, deficiency: str | None) -> np.ndarray:
    """Lab of a colour drawn at ``opacity`` over ``background``, as a reader with
    ``deficiency`` (None: normal vision) sees it."""
    srgb = opacity * _rgb(hex_colour) + (1 - opacity) * _rgb(background)
    linear = colour.cctf_decoding(srgb, function="sRGB")
    if deficiency:
        matrix = colour.blindness.matrix_cvd_Machado2009(deficiency, 1.0)
        linear = np.clip(matrix @ linear, 0, 1)
    xyz = colour.RGB_to_XYZ(linear, "sRGB", apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def smallest_distance(colours: list[str], background: str, opacity: float, deficiency: str | None):
    seen = [_seen(c, background, opacity, deficiency) for c in colours]
    return min(
        (float(colour.delta_E(seen[i], seen[j], method="CIE 2000")), colours[i], colours[j])
        for i, j in itertools.combinations(range(len(colours)), 2)
    )


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
@pytest.mark.parametrize("background", [OCEAN, *LAND_FILL.values()])
def test_direction_colours_stay_apart_at_the_drawn_opacity(deficiency, background) -> None:
    distance, a, b = smallest_distance(
        list(DIRECTION_COLOURS.values()), background, LINE_OPACITY, deficiency
    )
    assert distance >= MIN_DELTA_E, (deficiency, background, a, b, round(distance, 1))


def test_simulation_reproduces_the_reviewed_failure() -> None:
    # The old palette: South -> North and South -> South were 8.7 apart under deuteranopia.
    distance = float(
        colour.delta_E(
            _seen("#c2185b", "#ececec", 0.8, "Deuteranomaly"),
            _seen("#2e9a6a", "#ececec", 0.8, "Deuteranomaly"),
            method="CIE 2000",
        )
    )
    assert 7 < distance < 11


def test_north_and_south_circles_stay_apart() -> None:
    for deficiency in (None, *DEFICIENCIES):
        distance, *_ = smallest_distance(
            [GROUP_COLOURS[True], GROUP_COLOURS[False]], OCEAN, 0.9, deficiency
        )
        assert distance >= MIN_DELTA_E, deficiency


def test_each_claim_of_the_seed_documents_gets_its_own_colour() -> None:
    """The 11 claims (C1 … C11) each get a colour of their own, and any two of the palette
    stay apart as drawn over the land (the claims map's lines are 90 % opaque)."""
    from pipeline.render.claims import claim_colours

    colours = claim_colours([f"C{i}" for i in range(1, 12)])
    assert len(set(colours.values())) == 11 and colours["C1"] != colours["C11"]
    distance, a, b = smallest_distance(list(CLAIM_COLOURS), LAND, 0.9, None)
    assert distance >= MIN_DELTA_E, (a, b, round(distance, 1))


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_gains_and_losses_stay_apart(deficiency) -> None:
    from pipeline.render.style import CHANGE_COLOURS

    for background in (OCEAN, *LAND_FILL.values()):
        distance, *_ = smallest_distance(
            list(CHANGE_COLOURS.values()), background, LINE_OPACITY, deficiency
        )
        assert distance >= MIN_DELTA_E, (deficiency, background)
