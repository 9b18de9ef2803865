"""Country outlines in the map's projection, simplified and written as short integer lists.

Projecting, cutting and simplifying 240 outlines, and reading them with geopandas, takes longer
than drawing a page, and gives the same result every time for the same boundaries, code and
centre: the outlines are kept in ``data/cache/`` (NumPy arrays, no pickle), under a key that
changes with any of them, and computed again whenever the file is missing, unreadable or not
the key's.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from pipeline.reference import geo
from pipeline.render import projection
from pipeline.render.projection import QUANTUM, WorldProjection, delta_encode
from pipeline.util import paths
from pipeline.util.atomic import write_atomic

log = logging.getLogger(__name__)

# About 8 km: invisible at the zooms the pages allow, a fraction of the vertices.
SIMPLIFY_UNITS = 0.08


@dataclass(frozen=True)
class CountryShapes:
    """Projected outlines: ``polygons[code]`` is a list of polygons, each a list of rings
    (n x 2 arrays in map units, outer ring first)."""

    polygons: dict[str, list[list[np.ndarray]]]

    def encoded(self, index: dict[str, int]) -> list[list[Any]]:
        """[[country index, [[ring ints, ...], ...]], ...] for the countries in ``index``;
        outlines of countries without a label point are kept with index -1."""
        out = []
        for code, polys in self.polygons.items():
            out.append(
                [index.get(code, -1), [[delta_encode(ring) for ring in poly] for poly in polys]]
            )
        return out


def _rings(geom: shapely.Geometry) -> list[list[np.ndarray]]:
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [np.asarray(part.exterior.coords)] + [np.asarray(r.coords) for r in part.interiors]
        rings = [_dedupe(r) for r in rings]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polys.append(rings)
    return polys


def _dedupe(ring: np.ndarray) -> np.ndarray:
    q = np.round(ring * QUANTUM) / QUANTUM
    keep = np.concatenate([[True], np.any(np.diff(q, axis=0) != 0, axis=1)])
    kept: np.ndarray = q[keep]
    return kept


def cache_file(lon_0: float) -> Path:
    """Where the outlines for this centre are kept: named by a hash of the boundary files, the
    code that turns them into outlines, and the centre and tolerance."""
    digest = hashlib.sha256(repr((float(lon_0), SIMPLIFY_UNITS)).encode())
    geo_dir = paths.geo_dir()
    for source in (
        geo_dir / geo.BOUNDARIES_FILE,
        geo_dir / geo.FEATURE_CODES_FILE,
        Path(__file__),
        Path(geo.__file__),
        Path(projection.__file__),
    ):
        digest.update(source.read_bytes())
    return paths.data_dir() / "cache" / f"country-shapes-{digest.hexdigest()[:24]}.npz"


def _flatten(shapes: CountryShapes) -> dict[str, Any]:
    polys = list(shapes.polygons.values())
    rings = [ring for country in polys for poly in country for ring in poly]
    return {
        "codes": np.array(list(shapes.polygons), dtype=str),
        "polygons": np.array([len(country) for country in polys], dtype=np.int64),
        "rings": np.array([len(poly) for country in polys for poly in country], dtype=np.int64),
        "points": np.array([len(ring) for ring in rings], dtype=np.int64),
        "coords": np.concatenate(rings) if rings else np.empty((0, 2)),
    }


def _unflatten(arrays: Any) -> CountryShapes:
    coords = np.split(arrays["coords"], np.cumsum(arrays["points"])[:-1])
    rings = iter(coords)
    polys = iter([[next(rings) for _ in range(n)] for n in arrays["rings"]])
    countries = [[next(polys) for _ in range(n)] for n in arrays["polygons"]]
    return CountryShapes(dict(zip(arrays["codes"].tolist(), countries, strict=True)))


def _read_cache(path: Path) -> CountryShapes | None:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return _unflatten(arrays)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, StopIteration, zipfile.BadZipFile) as err:
        log.info("outlines computed again: %s cannot be read (%s)", path, err)
        return None


def _write_cache(path: Path, shapes: CountryShapes) -> None:
    out = io.BytesIO()
    np.savez(out, allow_pickle=False, **_flatten(shapes))
    try:
        write_atomic(path, out.getvalue())
        for old in path.parent.glob("country-shapes-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as err:  # a read-only or full disk: the maps are drawn all the same
        log.info("outlines not kept in %s: %s", path.parent, err)


def compute_country_shapes(lon_0: float) -> CountryShapes:
    """Every country outline of data/geo, projected and simplified."""
    proj = WorldProjection(lon_0)
    frame = geo.read_country_shapes()
    polygons: dict[str, list[list[np.ndarray]]] = {}
    for code, geom in zip(frame["country_code"], frame.geometry, strict=True):
        projected = shapely.simplify(proj.shape(geom), SIMPLIFY_UNITS, preserve_topology=True)
        rings = _rings(projected)
        if rings:
            polygons[str(code)] = rings
    return CountryShapes(polygons)


@lru_cache(maxsize=4)
def country_shapes(lon_0: float) -> CountryShapes:
    """Every country outline of data/geo, projected and simplified (cached per centre, in this
    process and in data/cache)."""
    path = cache_file(lon_0)
    shapes = _read_cache(path)
    if shapes is None:
        shapes = compute_country_shapes(lon_0)
        _write_cache(path, shapes)
    return shapes
